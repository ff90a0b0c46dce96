// The memory a PPO step (and a batch of summaries) will need, estimated from the model
// shape and the batch before anything is allocated, so `ragppo ppo --batch-size 100000`
// is refused up front with one line, not killed by the kernel half-way or ended by a
// libtorch stack trace. The fixed caps on the flags (cli/checks.h) stay as well.
//
// All fp32. The dominant terms, each from the code that allocates it:
//   weights   policy + frozen reference + gradients + Adam's two moments: 5 x params;
//             with LoRA one copy of the base (it is the reference too) and 4 x the
//             adapters' and value head's parameters
//   rollout   the KV cache of batch_size sequences (2 x layers x B x S x C), plus the
//             prompt pass's widest activations (B x Q x (3C + I), twice)
//   scoring   the no-grad pass over a mini-batch: policy and reference logits
//             [m, R, V] and one log-softmax of them (3 x m R V)
//   training  the grad pass over a mini-batch: activations kept for backward, per
//             layer and token 4 x (9C + 2I) bytes (inputs of both layer norms, q k v,
//             attention output, projections, the MLP's two widths; torch's CPU
//             scaled_dot_product_attention is flash-style and keeps no [S, S] scores),
//             plus logits, their log-softmax and both gradients (4 x m R V)
//   full KL   with kl_penalty "full", full log-probs of the whole batch, policy and
//             reference (2 x B R V), kept through the step
// with S = query_max_tokens + max_new_tokens, R = max_new_tokens. The phases run one
// after the other, so the peak is weights + the largest phase (+ full KL).
#pragma once

#include "rl/gpt2_config.h"
#include "rl/ppo_config.h"

#include <cstdint>

namespace ragppo::rl {

struct PpoMemoryEstimate {
    double weights = 0, rollout = 0, scoring = 0, training = 0, full_kl = 0;  // bytes
    double peak() const;
};

// Parameters of the policy (with its value head).
double gpt2_parameter_count(const Gpt2Config & model);

// Parameters of the LoRA adapters `lora` attaches to such a model (0 when off).
double lora_parameter_count(const Gpt2Config & model, const LoraConfig & lora);
PpoMemoryEstimate estimate_ppo_memory(const Gpt2Config & model, const PpoConfig & ppo);

// summarize-eval: one copy of the weights and the rollout of `batch` articles.
double estimate_summarize_memory(const Gpt2Config & model, int64_t batch, int64_t query_tokens, int64_t new_tokens);

// Throws ragppo::Error, one line, when the step's estimate exceeds `available_bytes`:
// the estimate, what is available, and the largest batch (mini-batch no larger) that
// would fit. `available_bytes` is passed in (util/available_memory.h in the CLI), so
// tests never depend on the machine's free memory. With `ranks` > 1 (data parallel)
// the estimate is one rank's (its share of each batch) against the memory one rank
// has, and the advice is for the whole batch.
void check_ppo_memory(const Gpt2Config & model, const PpoConfig & ppo, uint64_t available_bytes, int ranks = 1);
void check_summarize_memory(const Gpt2Config & model, int64_t batch, int64_t query_tokens, int64_t new_tokens,
                            uint64_t available_bytes);

}  // namespace ragppo::rl
