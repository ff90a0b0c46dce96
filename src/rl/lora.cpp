#include "rl/lora.h"

#include "ragppo.h"

#include <algorithm>

namespace ragppo::rl {

namespace {

// Each block's projections, in the order lora_sites lists them.
constexpr const char * kProjections[] = {"attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"};

std::string block_prefix(size_t layer) { return "transformer.h." + std::to_string(layer) + "."; }

}  // namespace

std::vector<std::string> lora_site_names(int64_t n_layer) {
    std::vector<std::string> names;
    for (size_t i = 0; i < static_cast<size_t>(n_layer); ++i)
        for (const char * p : kProjections) names.push_back(block_prefix(i) + p);
    return names;
}

std::vector<LoraSite> lora_sites(Gpt2PolicyImpl & policy) {
    std::vector<LoraSite> sites;
    auto & blocks = *policy.transformer->h;
    for (size_t i = 0; i < blocks.size(); ++i) {
        auto block = blocks.ptr<BlockImpl>(i);
        const std::string at = block_prefix(i);
        auto & attn = *block->attn;
        auto & mlp = *block->mlp;
        sites.push_back({at + kProjections[0], attn.c_attn, &attn.lora_c_attn});
        sites.push_back({at + kProjections[1], attn.c_proj, &attn.lora_c_proj});
        sites.push_back({at + kProjections[2], mlp.c_fc, &mlp.lora_c_fc});
        sites.push_back({at + kProjections[3], mlp.c_proj, &mlp.lora_c_proj});
    }
    return sites;
}

bool lora_target_matches(const std::string & site, const std::string & target) {
    return !target.empty() && (site == target || (site.size() > target.size() && site.ends_with("." + target)));
}

bool lora_site_targeted(const std::string & site, const std::vector<std::string> & targets) {
    for (const auto & t : targets)
        if (lora_target_matches(site, t)) return true;
    return false;
}

bool has_lora(Gpt2PolicyImpl & policy) {
    for (const auto & s : lora_sites(policy))
        if (*s.adapter) return true;
    return false;
}

void check_lora_config(const LoraConfig & config, int64_t n_layer) {
    if (config.r < 1 || config.r > kMaxLoraRank)
        throw Error("LoRA rank must be in 1.." + std::to_string(kMaxLoraRank) + ", got " + std::to_string(config.r));
    if (!(config.alpha > 0)) throw Error("LoRA alpha must be positive, got " + std::to_string(config.alpha));
    if (!(config.dropout >= 0 && config.dropout < 1))
        throw Error("LoRA dropout must be in [0, 1), got " + std::to_string(config.dropout));
    if (config.targets.empty()) throw Error("LoRA needs at least one target projection");
    const auto names = lora_site_names(n_layer);
    for (const auto & t : config.targets) {
        if (std::none_of(names.begin(), names.end(), [&](const std::string & n) { return lora_target_matches(n, t); }))
            throw Error("LoRA target '" + t + "' names no GPT-2 projection (c_attn, c_proj, c_fc, attn.c_proj, mlp.c_proj, "
                        "or one block's, e.g. h.0.attn.c_attn)");
    }
}

LoraSummary apply_lora(Gpt2PolicyImpl & policy, const LoraConfig & config) {
    check_lora_config(config, policy.config().n_layer);
    if (has_lora(policy)) throw Error("the policy already has LoRA adapters");
    auto sites = lora_sites(policy);
    std::vector<LoraSite *> chosen;
    for (auto & site : sites)
        if (lora_site_targeted(site.name, config.targets)) chosen.push_back(&site);

    // Everything but the value head is frozen first, so the adapters are what trains.
    LoraSummary summary;
    for (auto & p : policy.named_parameters()) {
        const bool head = p.key().starts_with("v_head.");
        p.value().set_requires_grad(head);
    }
    const auto modules = policy.named_modules();
    for (auto * site : chosen) {
        const auto & w = site->layer->weight;  // [out, in]
        LoraAdapter adapter(w.size(1), w.size(0), config.r, config.scaling(), config.dropout);
        adapter->to(w.device(), w.scalar_type());
        // Registered on the attention / MLP module: named "...attn.lora_c_attn.lora_A.weight".
        const auto dot = site->name.rfind('.');
        const std::string owner = site->name.substr(0, dot), slot = "lora_" + site->name.substr(dot + 1);
        const auto & parent = modules[owner];
        *site->adapter = parent->register_module(slot, adapter);
        ++summary.adapters;
    }
    for (const auto & p : policy.parameters())
        (p.requires_grad() ? summary.trainable_parameters : summary.frozen_parameters) += p.numel();
    return summary;
}

std::vector<torch::Tensor> trainable_parameters(Gpt2PolicyImpl & policy) {
    std::vector<torch::Tensor> out;
    for (auto & p : policy.parameters())
        if (p.requires_grad()) out.push_back(p);
    return out;
}

LoraAdaptersOff::LoraAdaptersOff(Gpt2PolicyImpl & policy) {
    for (const auto & s : lora_sites(policy))
        if (*s.adapter && (*s.adapter)->enabled) {
            (*s.adapter)->enabled = false;
            switched_.push_back(s.adapter->get());
        }
}

LoraAdaptersOff::~LoraAdaptersOff() {
    for (auto * a : switched_) a->enabled = true;
}

torch::Tensor merged_weight(const LoraSite & site) {
    torch::NoGradGuard no_grad;
    const auto & w = site.layer->weight;
    if (!*site.adapter) return w.detach();
    const auto & a = **site.adapter;
    return w.detach() + torch::mm(a.lora_B->weight, a.lora_A->weight) * a.scaling;
}

}  // namespace ragppo::rl
