// Loading a Hugging Face GPT-2 checkpoint directory (config.json plus
// model.safetensors / shards / pytorch_model.bin) into a Gpt2Policy.
#pragma once

#include "rl/checkpoint_tensors.h"
#include "rl/gpt2_model.h"

#include <filesystem>

namespace ragppo::rl {

struct Gpt2LoadOptions {
    torch::Device device = torch::kCPU;  // torch::kCUDA on a GPU machine
    torch::Dtype dtype = torch::kFloat32;
    // A value head the checkpoint lacks starts at zero instead of TRL's random init.
    bool zero_new_value_head = false;
};

// The checkpoint as a policy in eval mode (dropout off). The value head is the
// checkpoint's v_head.summary.* when it has one (a TRL save), else freshly
// initialised like TRL's (nn.Linear's default, from torch's global RNG: seed it
// with torch::manual_seed for a reproducible head).
// Throws ragppo::Error, one line, for a checkpoint of another architecture:
// a config.json that is not GPT-2, or a tensor missing or of the wrong shape.
Gpt2Policy load_gpt2_policy(const std::filesystem::path & dir, const Gpt2LoadOptions & options = {});

// Copies `tensors` (checkpoint names, HF layouts) into `policy`'s parameters.
// Accepts GPT2LMHeadModel keys ("transformer.h.0...") and GPT2Model keys
// ("h.0..."). `where` names the checkpoint in error messages.
// True for the four projections HF implements as Conv1D (weight stored [in, out],
// ours [out, in]): attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj.
bool is_conv1d_weight(const std::string & name);

// A NaN or Inf weight makes every output NaN; libtorch would fail much later (sampling
// from NaN probabilities). Throws ragppo::Error "where: tensor 'name' holds NaN or
// infinite values" for a floating-point tensor that has one.
void require_finite(const torch::Tensor & tensor, const std::string & name, const std::string & where);
void load_gpt2_weights(Gpt2PolicyImpl & policy, const TensorMap & tensors, const std::string & where);

}  // namespace ragppo::rl
