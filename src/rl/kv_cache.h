// The keys and values every attention layer has already computed, so decoding
// one more token costs one token of work instead of re-reading the sequence.
// Buffers are allocated once (capacity) and written in place; they grow by
// doubling if a caller under-reserves.
#pragma once

#include <torch/torch.h>

#include <utility>
#include <vector>

namespace ragppo::rl {

class KvCache {
public:
    // `capacity`: tokens to reserve per sequence (query + max new tokens); 0 = grow as needed.
    explicit KvCache(int64_t n_layer, int64_t capacity = 0);

    // Tokens held per sequence, left padding included (the key axis of attention).
    int64_t length() const { return length_; }

    // Stores layer `layer`'s keys/values of the new tokens, [B, H, T, D], after
    // the cached ones and returns all of them, [B, H, length() + T, D]. The model
    // calls advance(T) once every layer has appended.
    std::pair<torch::Tensor, torch::Tensor> append(int64_t layer, const torch::Tensor & k, const torch::Tensor & v);
    void advance(int64_t n_tokens) { length_ += n_tokens; }

    // Keeps only the batch rows in `rows` (a 1-D index tensor), in that order:
    // a rollout drops sequences that have finished.
    void keep_rows(const torch::Tensor & rows);

private:
    std::vector<torch::Tensor> keys_, values_;  // per layer [B, H, capacity, D]
    int64_t length_ = 0;
    int64_t capacity_ = 0;
};

}  // namespace ragppo::rl
