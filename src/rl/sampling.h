// Choosing the next token from a language model's logits, as transformers'
// generate() does: the logits warpers in its order (temperature, top-k, top-p),
// then a draw from what is left, or the argmax when greedy.
#pragma once

#include <torch/torch.h>

namespace ragppo::rl {

struct SamplerParams {
    // Defaults are pure ancestral sampling, the reference's rollout setting
    // (do_sample, top_k 0, top_p 1.0, temperature 1).
    bool greedy = false;       // argmax (generate's do_sample=False); also when temperature <= 0
    double temperature = 1.0;  // logits / temperature
    int64_t top_k = 0;         // keep the k most likely tokens; 0 = off
    double top_p = 1.0;        // keep the smallest set with probability >= top_p; 1.0 = off
};

// The warped logits [B, V]: removed tokens are -inf.
torch::Tensor warp_logits(const torch::Tensor & logits, const SamplerParams & params);

// One token per row of `logits` [B, V], as int64 [B] on the logits' device.
// Draws run on the CPU with `rng` (a CPU generator), so a seed gives the same
// tokens whatever device computed the logits.
torch::Tensor pick_next_tokens(const torch::Tensor & logits, const SamplerParams & params, torch::Generator & rng);

// A CPU random generator for pick_next_tokens / rollout().
torch::Generator make_cpu_generator(uint64_t seed);

}  // namespace ragppo::rl
