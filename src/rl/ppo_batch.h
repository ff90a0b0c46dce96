// The tensors of one PPO batch: every row is [query | response], queries
// left-padded to the longest query and responses right-padded to the longest
// response, the layout a batched rollout produces. Every response then starts
// in the same column, so the per-token quantities of PPO (log-probs, values,
// rewards, advantages) are [B, R] tensors over the response columns only, and
// the 50k-wide LM head is applied to R positions per row instead of Q + R.
#pragma once

#include "rl/gpt2_model.h"

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace ragppo::rl {

struct PpoBatch {
    torch::Tensor input_ids;       // [B, Q + R] int64; padding holds pad_id
    torch::Tensor attention_mask;  // [B, Q + R] int64: 1 real, 0 padding
    torch::Tensor response_mask;   // [B, R] float: 1 on real response tokens
    torch::Tensor response_ids;    // [B, R] int64: the response columns of input_ids
    int64_t query_width = 0;       // Q
    std::vector<int64_t> query_lens, response_lens;
};

// Throws ragppo::Error for an empty query or response, or mismatched counts.
PpoBatch make_ppo_batch(const std::vector<std::vector<int32_t>> & queries,
                        const std::vector<std::vector<int32_t>> & responses, int64_t pad_id, torch::Device device);

// The rows `rows` (1-D int64) of a batch, same columns.
PpoBatch select_rows(const PpoBatch & batch, const torch::Tensor & rows);

struct ResponseForward {
    torch::Tensor logprobs;  // [b, R]: log p(response token) under the model
    torch::Tensor values;    // [b, R]: the value head at the position that predicts each response token
    torch::Tensor logits;    // [b, R, V] when asked for (entropy statistic, KlEstimator::Full)
};

// TRL's batched_forward_pass on the response columns: the hidden state at
// position t gives the log-prob of token t + 1 and the value of the state
// before it. Gradients flow when the caller has them enabled. The model's
// train/eval mode is the caller's choice.
ResponseForward forward_responses(Gpt2PolicyImpl & model, const PpoBatch & batch, bool want_logits);

}  // namespace ragppo::rl
