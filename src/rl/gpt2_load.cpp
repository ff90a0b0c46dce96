// Checkpoint names to our parameters. Ours are HF's names already (see
// gpt2_model.h), so the only translations are the optional "transformer."
// prefix and HF's Conv1D layout: GPT-2's four projection matrices are stored
// [in, out] and applied as x @ W, where nn::Linear holds [out, in].
#include "rl/gpt2_load.h"

#include "ragppo.h"

#include <optional>

namespace ragppo::rl {

namespace {

bool ends_with(const std::string & s, const std::string & tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string shape_str(at::IntArrayRef sizes) {
    std::string s = "[";
    for (size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
    return s + "]";
}

// The checkpoint's tensor for our parameter `name`, under either key prefix.
std::optional<torch::Tensor> find_tensor(const TensorMap & tensors, const std::string & name) {
    if (auto it = tensors.find(name); it != tensors.end()) return it->second;
    const std::string prefix = "transformer.";
    if (name.starts_with(prefix))
        if (auto it = tensors.find(name.substr(prefix.size())); it != tensors.end()) return it->second;
    return std::nullopt;
}

}  // namespace

void require_finite(const torch::Tensor & tensor, const std::string & name, const std::string & where) {
    if (tensor.is_floating_point() && !torch::isfinite(tensor).all().item<bool>())
        throw Error(where + ": tensor '" + name + "' holds NaN or infinite values");
}

bool is_conv1d_weight(const std::string & name) {
    for (const char * tail : {"attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight"})
        if (ends_with(name, tail)) return true;
    return false;
}

void load_gpt2_weights(Gpt2PolicyImpl & policy, const TensorMap & tensors, const std::string & where) {
    torch::NoGradGuard no_grad;
    for (auto & p : policy.named_parameters()) {
        const std::string & name = p.key();
        auto found = find_tensor(tensors, name);
        if (!found) {
            // A plain GPT2LMHeadModel has no value head: keep the fresh one.
            if (name.starts_with("v_head.")) continue;
            throw Error(where + " is not a GPT-2 checkpoint matching its config.json: tensor '" + name +
                        "' is missing");
        }
        auto tensor = is_conv1d_weight(name) && found->dim() == 2 ? found->t() : *found;
        if (tensor.sizes() != p.value().sizes())
            throw Error(where + " does not match its config.json: tensor '" + name + "' has shape " +
                        shape_str(found->sizes()) + ", expected " +
                        shape_str(is_conv1d_weight(name) ? p.value().t().sizes() : p.value().sizes()));
        require_finite(tensor, name, where);
        p.value().copy_(tensor);  // converts dtype and moves to the parameter's device
    }
}

Gpt2Policy load_gpt2_policy(const std::filesystem::path & dir, const Gpt2LoadOptions & options) {
    const auto config = read_gpt2_config(dir);
    Gpt2Policy policy(config);
    policy->to(options.device, options.dtype);
    const auto tensors = read_checkpoint_tensors(dir);
    load_gpt2_weights(*policy, tensors, dir.string());
    if (options.zero_new_value_head && !tensors.count("v_head.summary.weight")) {
        torch::NoGradGuard no_grad;
        policy->v_head->summary->weight.zero_();
        policy->v_head->summary->bias.zero_();
    }
    policy->eval();
    return policy;
}

}  // namespace ragppo::rl
