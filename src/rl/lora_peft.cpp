#include "rl/lora_peft.h"

#include "rl/hf_export.h"
#include "rl/lora.h"
#include "rl/safetensors_writer.h"
#include "util/atomic_write.h"
#include "util/json_file.h"
#include "ragppo.h"

#include <nlohmann/json.hpp>

#include <fstream>

namespace fs = std::filesystem;

namespace ragppo::rl {

namespace {

const std::string kPrefix = "base_model.model.";

// A setting PEFT has that we do not implement must hold its default.
void require_default(const nlohmann::json & j, const char * key, const nlohmann::json & fine, const fs::path & path) {
    if (!j.contains(key) || j.at(key).is_null() || j.at(key) == fine) return;
    if (j.at(key).is_array() && j.at(key).empty()) return;
    throw Error(path.string() + ": " + key + " " + j.at(key).dump() + " is not supported (only " + fine.dump() + ")");
}

TensorMap read_adapter_tensors(const fs::path & dir) {
    if (fs::exists(dir / "adapter_model.safetensors")) return read_safetensors(dir / "adapter_model.safetensors");
    if (fs::exists(dir / "adapter_model.bin")) return read_torch_bin(dir / "adapter_model.bin");
    throw Error(dir.string() + " has an adapter_config.json but no adapter_model.safetensors or adapter_model.bin");
}

void copy_checked(torch::Tensor & into, const torch::Tensor & from, const std::string & name, const fs::path & where) {
    if (from.sizes() != into.sizes())
        throw Error(where.string() + ": tensor '" + name + "' has shape " + c10::str(from.sizes()) + ", expected " +
                    c10::str(into.sizes()));
    require_finite(from, name, where.string());
    torch::NoGradGuard no_grad;
    into.copy_(from);
}

}  // namespace

bool is_peft_adapter_dir(const fs::path & dir) {
    std::error_code ec;
    return fs::is_regular_file(dir / "adapter_config.json", ec);
}

std::string peft_base_model(const fs::path & dir) {
    const auto base = read_peft_adapter_config(dir).base_model;
    if (base.empty()) throw Error((dir / "adapter_config.json").string() + " names no base model (base_model_name_or_path)");
    return base;
}

PeftAdapterConfig read_peft_adapter_config(const fs::path & dir) {
    const fs::path path = dir / "adapter_config.json";
    const auto j = util::read_json_object(path);
    PeftAdapterConfig out;
    try {
        if (j.value("peft_type", std::string()) != "LORA")
            throw Error(path.string() + ": peft_type " + j.value("peft_type", nlohmann::json()).dump() +
                        " is not supported (only LORA)");
        require_default(j, "use_rslora", false, path);
        require_default(j, "use_dora", false, path);
        require_default(j, "bias", "none", path);
        require_default(j, "layers_to_transform", nullptr, path);
        require_default(j, "modules_to_save", nullptr, path);
        require_default(j, "rank_pattern", nlohmann::json::object(), path);
        require_default(j, "alpha_pattern", nlohmann::json::object(), path);
        require_default(j, "lora_bias", false, path);
        require_default(j, "use_qalora", false, path);
        for (const char * key : {"exclude_modules", "layer_replication", "trainable_token_indices", "target_parameters"})
            require_default(j, key, nullptr, path);
        out.lora.r = j.at("r").get<int64_t>();
        out.lora.alpha = j.value("lora_alpha", 8.0);
        out.lora.dropout = j.value("lora_dropout", 0.0);
        const auto & targets = j.at("target_modules");
        if (targets.is_string())
            throw Error(path.string() + ": target_modules " + targets.dump() +
                        " is a regular expression; only a list of module names is supported");
        if (!targets.is_array() || targets.empty())
            throw Error(path.string() + ": target_modules must be a non-empty list of module names, got " + targets.dump());
        out.lora.targets = targets.get<std::vector<std::string>>();
        out.base_model = j.value("base_model_name_or_path", std::string());
    } catch (const nlohmann::json::exception & e) {
        throw Error(path.string() + ": " + e.what());
    }
    return out;
}

TensorMap peft_state_dict(Gpt2PolicyImpl & policy) {
    TensorMap state;
    for (const auto & site : lora_sites(policy)) {
        if (!*site.adapter) continue;
        state[kPrefix + site.name + ".lora_A.weight"] = (*site.adapter)->lora_A->weight.detach();
        state[kPrefix + site.name + ".lora_B.weight"] = (*site.adapter)->lora_B->weight.detach();
    }
    return state;
}

void load_peft_adapter(Gpt2PolicyImpl & policy, const fs::path & dir) {
    const auto config = read_peft_adapter_config(dir);
    apply_lora(policy, config.lora);
    auto tensors = read_adapter_tensors(dir);
    for (const auto & site : lora_sites(policy)) {
        if (!*site.adapter) continue;
        for (auto [part, weight] : {std::pair{"lora_A", &(*site.adapter)->lora_A->weight},
                                    std::pair{"lora_B", &(*site.adapter)->lora_B->weight}}) {
            const std::string name = kPrefix + site.name + "." + part + ".weight";
            auto it = tensors.find(name);
            if (it == tensors.end()) throw Error(dir.string() + ": adapter tensor '" + name + "' is missing");
            copy_checked(*weight, it->second, name, dir);
            tensors.erase(it);
        }
    }
    if (!tensors.empty())
        throw Error(dir.string() + ": adapter tensor '" + tensors.begin()->first +
                    "' belongs to no adapter of its adapter_config.json");
    if (fs::exists(dir / "value_head.safetensors")) {
        const auto head = read_safetensors(dir / "value_head.safetensors");
        for (auto & p : policy.v_head->named_parameters()) {
            const std::string name = "v_head." + p.key();
            auto it = head.find(name);
            if (it == head.end()) throw Error((dir / "value_head.safetensors").string() + ": '" + name + "' is missing");
            copy_checked(p.value(), it->second, name, dir / "value_head.safetensors");
        }
    }
}

void export_peft_adapter(Gpt2PolicyImpl & policy, const LoraConfig & config, const std::string & base_model,
                         const fs::path & source_dir, const fs::path & out_dir) {
    if (!has_lora(policy)) throw Error("export_peft_adapter: the policy has no LoRA adapters");
    std::error_code ec;
    if (fs::exists(out_dir, ec) && fs::equivalent(out_dir, source_dir, ec))
        throw Error("not exporting LoRA adapters over their base model " + source_dir.string() +
                    " (the adapter directory names it as the base)");
    const nlohmann::json adapter_config = {
        {"peft_type", "LORA"},
        {"task_type", "CAUSAL_LM"},
        {"base_model_name_or_path", base_model},
        {"r", config.r},
        {"lora_alpha", config.alpha},
        {"lora_dropout", config.dropout},
        {"target_modules", config.targets},
        {"fan_in_fan_out", true},  // GPT-2's projections are Conv1D ([in, out] weights)
        {"bias", "none"},
        {"use_rslora", false},
        {"use_dora", false},
        {"init_lora_weights", true},
        {"inference_mode", true},
        {"modules_to_save", nullptr},
        {"layers_to_transform", nullptr},
    };
    const TensorMap adapters = peft_state_dict(policy);
    TensorMap head;
    for (const auto & p : policy.v_head->named_parameters()) head["v_head." + p.key()] = p.value().detach();
    write_export_dir(out_dir, source_dir, [&](const fs::path & tmp) {
        write_synced_text(tmp / "adapter_config.json", adapter_config.dump(2) + "\n");
        util::write_hook("file:adapter_config.json");
        write_safetensors(tmp / "adapter_model.safetensors", adapters, {{"format", "pt"}});
        util::write_hook("file:adapter_model.safetensors");
        write_safetensors(tmp / "value_head.safetensors", head, {{"format", "pt"}});
        util::write_hook("file:value_head.safetensors");
    });
}

LoadedPolicy load_policy_or_adapter(const fs::path & dir, const Gpt2LoadOptions & options,
                                    const std::function<fs::path(const std::string &)> & resolve_base) {
    if (!is_peft_adapter_dir(dir)) return {load_gpt2_policy(dir, options), dir};
    const fs::path base = resolve_base(peft_base_model(dir));
    LoadedPolicy out{load_gpt2_policy(base, options), dir};
    load_peft_adapter(*out.policy, dir);
    out.policy->eval();
    std::error_code ec;
    if (!fs::exists(dir / "tokenizer.json", ec) && !fs::exists(dir / "vocab.json", ec)) out.tokenizer_dir = base;
    return out;
}

}  // namespace ragppo::rl
