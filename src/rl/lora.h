// LoRA on a GPT-2 policy (LoraConfig in ppo_config.h): attaching adapters to
// the projections a config names, switching them off for the KL reference, and
// their merged weights. PEFT's file format is lora_peft.h.
#pragma once

#include "rl/gpt2_model.h"
#include "rl/ppo_config.h"

#include <string>
#include <vector>

namespace ragppo::rl {

// One projection an adapter may sit beside, under its PEFT module name
// ("transformer.h.3.attn.c_attn"): the base layer and the adapter slot (null
// until apply_lora fills it).
struct LoraSite {
    std::string name;
    torch::nn::Linear layer;
    LoraAdapter * adapter;
};

// The 4 * n_layer projections of the policy (attn.c_attn, attn.c_proj, mlp.c_fc,
// mlp.c_proj per block), in block order.
std::vector<LoraSite> lora_sites(Gpt2PolicyImpl & policy);

// The same projections' names for a model of `n_layer` blocks, without a model.
std::vector<std::string> lora_site_names(int64_t n_layer);

// PEFT's matching: a target names a projection when it is the whole name or its
// tail after a dot ("c_proj", "attn.c_proj", "h.0.attn.c_attn").
bool lora_target_matches(const std::string & site_name, const std::string & target);
// Whether any of `targets` names the projection.
bool lora_site_targeted(const std::string & site_name, const std::vector<std::string> & targets);

// The largest rank accepted (PEFT has no limit; this keeps a corrupt
// adapter_config.json from asking for terabytes before any shape is checked).
constexpr int64_t kMaxLoraRank = 4096;

struct LoraSummary {
    int64_t adapters = 0;
    int64_t trainable_parameters = 0;  // adapters + value head
    int64_t frozen_parameters = 0;     // the base model
};

// Throws ragppo::Error, one line, unless `config` can be applied to a GPT-2 of
// `n_layer` blocks: 1 <= r <= kMaxLoraRank, alpha > 0, dropout in [0, 1), and every target names
// a projection. The CLI calls it before loading anything; apply_lora does too.
void check_lora_config(const LoraConfig & config, int64_t n_layer);

// Attaches a fresh adapter (A drawn from torch's global RNG, B zero) to every
// projection a target of `config` names, and freezes every other parameter but
// the value head. Throws ragppo::Error, one line, when check_lora_config does, or
// the policy has adapters already.
LoraSummary apply_lora(Gpt2PolicyImpl & policy, const LoraConfig & config);

bool has_lora(Gpt2PolicyImpl & policy);

// What an optimiser trains: every parameter with requires_grad (all of them in
// full fine-tuning; adapters and value head with LoRA).
std::vector<torch::Tensor> trainable_parameters(Gpt2PolicyImpl & policy);

// The adapters off while it lives: the policy computes with its base weights
// alone, which is the KL reference of a LoRA run (no second copy of the model).
class LoraAdaptersOff {
public:
    explicit LoraAdaptersOff(Gpt2PolicyImpl & policy);
    ~LoraAdaptersOff();
    LoraAdaptersOff(const LoraAdaptersOff &) = delete;
    LoraAdaptersOff & operator=(const LoraAdaptersOff &) = delete;

private:
    std::vector<LoraAdapterImpl *> switched_;
};

// W + scaling * B A: the weight [out, in] a projection computes with its adapter
// folded in (the layer's own weight when it has none).
torch::Tensor merged_weight(const LoraSite & site);

}  // namespace ragppo::rl
