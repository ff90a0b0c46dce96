// Batches of sequences of different lengths: left padding, the attention mask
// that hides the padding, and the position ids that make a padded sequence read
// exactly as it would alone (what transformers and TRL compute).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace ragppo::rl {

struct PaddedBatch {
    torch::Tensor ids;   // [B, L] int64, pad_id before each shorter sequence
    torch::Tensor mask;  // [B, L] int64, 1 on real tokens, 0 on padding
};

// Left-pads to the longest sequence. Left, so every sequence ends in the last
// column and generation appends one column for all of them.
PaddedBatch left_pad(const std::vector<std::vector<int32_t>> & seqs, int64_t pad_id, torch::Device device);

// Position of each token among the real tokens of its row: cumsum(mask) - 1,
// clamped at 0 on the left padding (whose positions nobody reads). [B, S] -> [B, S].
torch::Tensor positions_from_mask(const torch::Tensor & mask);

// Which keys each query may attend to, for the last `n_queries` of the S tokens
// that `key_mask` [B, S] covers: causal (a token sees itself and the past) and
// real keys only. A padding query sees just itself, so its row stays finite
// (a fully masked softmax would be NaN and NaN * 0 still poisons gradients).
// Returns bool [B, 1, n_queries, S], broadcast over heads.
torch::Tensor attention_allowed(const torch::Tensor & key_mask, int64_t n_queries);

}  // namespace ragppo::rl
