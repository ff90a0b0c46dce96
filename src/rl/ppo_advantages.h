// Per-token rewards and GAE advantages of a PPO batch, TRL 0.11.4's
// PPOTrainer.compute_rewards and compute_advantages on padded [B, T] tensors
// (T may cover query and response, as in TRL, or the response alone; only the
// mask says which positions are response tokens, and padding may sit on
// either side).
#pragma once

#include "rl/ppo_config.h"

#include <torch/torch.h>

#include <optional>

namespace ragppo::rl {

struct Rewards {
    torch::Tensor rewards;            // [B, T]: non_score_rewards, plus the score at each row's score index
    torch::Tensor non_score_rewards;  // [B, T]: -kl_coef * kls
    torch::Tensor kls;                // [B, T]: the per-token KL estimate (what objective/kl sums)
    torch::Tensor score_index;        // [B] int64: where each score landed
};

// scores [B]; logprobs, ref_logprobs [B, T] (or [B, T, V] full log-softmax for
// KlEstimator::Full); mask [B, T]. The score is added on the last real response
// token of each row, read from the mask (TRL: mask.nonzero()[-1]), unless
// score_index [B] says otherwise (the trainer passes the last column when
// PpoConfig::score_on_padded_end reproduces the reference). Like TRL, the KL
// terms are not masked here: positions outside the mask are zeroed by
// compute_advantages and by every masked statistic.
Rewards compute_rewards(const torch::Tensor & scores, const torch::Tensor & logprobs, const torch::Tensor & ref_logprobs,
                        const torch::Tensor & mask, double kl_coef, KlEstimator estimator,
                        const std::optional<torch::Tensor> & score_index = std::nullopt);

// The same from per-token KL estimates already computed, [B, T] (the data-parallel
// step computes KlEstimator::Full's on each rank's rows, so the [B, T, V] log-probs
// never travel).
Rewards compute_rewards_from_kls(const torch::Tensor & scores, const torch::Tensor & kls, const torch::Tensor & mask,
                                 double kl_coef, const std::optional<torch::Tensor> & score_index = std::nullopt);

struct Advantages {
    torch::Tensor values;      // [B, T]: the input values, zeroed outside the mask
    torch::Tensor advantages;  // [B, T]: GAE, whitened over the mask, detached
    torch::Tensor returns;     // [B, T]: raw (unwhitened) GAE + values: the value target
};

// GAE over the whole row from the end (gamma, lam): values and rewards are
// zeroed outside the mask first, so the bootstrap value past the last response
// token is 0 and right padding contributes nothing; with whiten_rewards the
// masked rewards are whitened without shifting the mean. Advantages are then
// whitened over the mask (masked_whiten) and detached; returns = advantages +
// values before the whitening.
Advantages compute_advantages(const torch::Tensor & values, const torch::Tensor & rewards, const torch::Tensor & mask,
                              double gamma, double lam, bool whiten_rewards = false);

inline Advantages compute_advantages(const torch::Tensor & values, const torch::Tensor & rewards,
                                     const torch::Tensor & mask, const PpoConfig & cfg) {
    return compute_advantages(values, rewards, mask, cfg.gamma, cfg.lam, cfg.whiten_rewards);
}

}  // namespace ragppo::rl
