#include "rl/sampling.h"

#include <ATen/CPUGeneratorImpl.h>

#include <limits>

namespace ragppo::rl {

namespace {

constexpr double kRemoved = -std::numeric_limits<double>::infinity();

// Keeps the k largest logits of each row (ties with the k-th are kept too).
torch::Tensor keep_top_k(const torch::Tensor & logits, int64_t k) {
    k = std::min(k, logits.size(-1));
    const auto kth_largest = std::get<0>(logits.topk(k, -1)).narrow(-1, k - 1, 1);
    return logits.masked_fill(logits < kth_largest, kRemoved);
}

// Nucleus: drops the least likely tokens whose total probability stays within
// 1 - top_p, i.e. keeps the smallest most-likely set whose probability reaches
// top_p; the most likely token is always kept.
torch::Tensor keep_top_p(const torch::Tensor & logits, double top_p) {
    const auto [sorted, order] = logits.sort(-1, /*descending=*/false);  // least likely first
    const auto cumulative = sorted.softmax(-1).cumsum(-1);
    auto drop_sorted = cumulative <= (1.0 - top_p);
    drop_sorted.narrow(-1, logits.size(-1) - 1, 1).fill_(false);
    const auto drop = drop_sorted.scatter(-1, order, drop_sorted);  // back to vocabulary order
    return logits.masked_fill(drop, kRemoved);
}

}  // namespace

torch::Tensor warp_logits(const torch::Tensor & logits, const SamplerParams & params) {
    auto warped = logits.to(torch::kFloat32);
    if (params.temperature > 0 && params.temperature != 1.0) warped = warped / params.temperature;
    if (params.top_k > 0) warped = keep_top_k(warped, params.top_k);
    if (params.top_p < 1.0) warped = keep_top_p(warped, params.top_p);
    return warped;
}

torch::Tensor pick_next_tokens(const torch::Tensor & logits, const SamplerParams & params, torch::Generator & rng) {
    if (params.greedy || params.temperature <= 0) return logits.argmax(-1);
    const auto probs = warp_logits(logits, params).softmax(-1).to(torch::kCPU);
    return torch::multinomial(probs, 1, /*replacement=*/false, rng).squeeze(-1).to(logits.device());
}

torch::Generator make_cpu_generator(uint64_t seed) { return at::detail::createCPUGenerator(seed); }

}  // namespace ragppo::rl
