#include "rl/padding.h"

#include <algorithm>

namespace ragppo::rl {

PaddedBatch left_pad(const std::vector<std::vector<int32_t>> & seqs, int64_t pad_id, torch::Device device) {
    const auto batch = static_cast<int64_t>(seqs.size());
    size_t longest = 0;
    for (const auto & s : seqs) longest = std::max(longest, s.size());
    const auto width = static_cast<int64_t>(longest);

    auto ids = torch::full({batch, width}, pad_id, torch::kInt64);
    auto mask = torch::zeros({batch, width}, torch::kInt64);
    auto ids_a = ids.accessor<int64_t, 2>();
    auto mask_a = mask.accessor<int64_t, 2>();
    for (int64_t row = 0; row < batch; ++row) {
        const auto & s = seqs[row];
        const int64_t start = width - static_cast<int64_t>(s.size());
        for (size_t i = 0; i < s.size(); ++i) {
            ids_a[row][start + i] = s[i];
            mask_a[row][start + i] = 1;
        }
    }
    return {ids.to(device), mask.to(device)};
}

torch::Tensor positions_from_mask(const torch::Tensor & mask) {
    return (mask.to(torch::kInt64).cumsum(-1) - 1).clamp_min(0);
}

torch::Tensor attention_allowed(const torch::Tensor & key_mask, int64_t n_queries) {
    const int64_t batch = key_mask.size(0), n_keys = key_mask.size(1);
    const auto opts = torch::TensorOptions().dtype(torch::kInt64).device(key_mask.device());
    // The queries are the last n_queries tokens: absolute indices n_keys - n_queries ...
    auto query_index = torch::arange(n_keys - n_queries, n_keys, opts).view({n_queries, 1});
    auto key_index = torch::arange(n_keys, opts).view({1, n_keys});
    auto causal = key_index <= query_index;                      // [T, S]
    auto itself = key_index == query_index;                      // [T, S]
    auto real = key_mask.to(torch::kBool).view({batch, 1, 1, n_keys});  // [B, 1, 1, S]
    return causal & (real | itself);                             // [B, 1, T, S]
}

}  // namespace ragppo::rl
