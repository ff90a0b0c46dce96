// Batched rollout: the policy continues a batch of queries of different
// lengths at once, left-padded inside the batch (attention mask and position
// ids make each read as it would alone), one token per step for all of them
// from a KV cache. Replaces the reference's one-query-at-a-time generation.
#pragma once

#include "rl/gpt2_model.h"
#include "rl/sampling.h"

#include <cstdint>
#include <vector>

namespace ragppo::rl {

struct RolloutParams {
    int64_t max_new_tokens = 128;  // the reference's limit; no minimum length
    // EOS is masked out until this many new tokens exist (transformers'
    // min_new_tokens). 0 = no minimum, the reference's setting; the benchmark
    // sets it to max_new_tokens so every response has the same length.
    int64_t min_new_tokens = 0;
    SamplerParams sampler;         // default: pure ancestral sampling
    int64_t eos_id = 50256;        // GPT-2's <|endoftext|>: a sequence stops after it
    // Fills the left padding. Masked out, so its value never reaches the
    // model's output; it only has to be a valid token id. Distinct from EOS so a
    // padded batch never shows a fake EOS (the reference padded with EOS).
    int64_t pad_id = 0;
    bool return_logprobs = false;
    // Dropout while sampling. Off is ours; the reference sampled with dropout on
    // from its second step (TRL left the model in train mode).
    bool dropout = false;
    // BF16 autocast for the transformer's matmuls and attention (PpoConfig::bf16);
    // the LM head and sampling stay fp32.
    bool bf16 = false;
};

struct RolloutSequence {
    std::vector<int32_t> response;  // the new tokens, ending with EOS unless truncated
    bool truncated = false;         // max_new_tokens reached without EOS
    // With return_logprobs: log p(token) of each response token under the
    // policy's own distribution (softmax of the raw logits, before temperature,
    // top-k and top-p; the same thing under pure ancestral sampling).
    std::vector<float> logprobs;
};

// One RolloutSequence per query, in order. `rng` draws the samples (see
// make_cpu_generator): the same seed gives the same responses. The policy's
// train/eval mode is restored afterwards. Throws ragppo::Error for an empty
// query, a token id outside the vocabulary, or a query that with
// max_new_tokens would run past the model's n_positions.
std::vector<RolloutSequence> rollout(Gpt2PolicyImpl & policy, const std::vector<std::vector<int32_t>> & queries,
                                     const RolloutParams & params, torch::Generator & rng);

}  // namespace ragppo::rl
