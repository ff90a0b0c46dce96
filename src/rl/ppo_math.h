// Tensor building blocks of PPO, as pure libtorch functions on padded [B, T]
// tensors with a 0/1 mask of the response tokens (any integer or floating
// mask; it is converted to the values' dtype). Each reproduces the function of
// the same name in TRL 0.11.4's trl/core.py unless its comment says otherwise.
// Nothing here owns state or touches a model; see ppo_advantages.h (rewards,
// GAE), ppo_loss.h (clipped losses, statistics) and kl_controller.h.
#pragma once

#include "rl/ppo_config.h"

#include <torch/torch.h>

#include <optional>

namespace ragppo::rl {

// log softmax(logits)[label] per position: logits [B, T, V], labels [B, T] -> [B, T].
torch::Tensor logprobs_from_logits(const torch::Tensor & logits, const torch::Tensor & labels);
// The full log-softmax over the vocabulary, [B, T, V] (TRL's gather=False).
torch::Tensor log_softmax_full(const torch::Tensor & logits);

// Entropy of softmax(logits) per position: logsumexp(l) - sum(softmax(l) * l), [B, T].
torch::Tensor entropy_from_logits(const torch::Tensor & logits);

// sum(values * mask) / sum(mask), over everything or along `dim`.
torch::Tensor masked_mean(const torch::Tensor & values, const torch::Tensor & mask,
                          std::optional<int64_t> dim = std::nullopt);

// Variance of the masked values around their masked mean; `unbiased` applies
// Bessel's correction n / (n - 1) with n = sum(mask), as TRL does by default.
// Throws std::invalid_argument when the mask is empty (TRL raises ValueError).
// Deliberate difference: with n == 1 TRL divides by zero and returns NaN, which
// would poison the whitened advantages; we return the biased variance (0).
torch::Tensor masked_var(const torch::Tensor & values, const torch::Tensor & mask, bool unbiased = true);

// (values - mean) / sqrt(var + 1e-8) with the masked mean and unbiased masked
// variance; with shift_mean false the mean is added back (TRL's whiten_rewards
// uses that). Positions outside the mask are transformed too, like TRL; callers
// mask them.
torch::Tensor masked_whiten(const torch::Tensor & values, const torch::Tensor & mask, bool shift_mean = true);

// Element-wise max(min(x, hi), lo) with tensor bounds (TRL's clip_by_value,
// written before torch.clamp took tensors).
torch::Tensor clip_by_value(const torch::Tensor & x, const torch::Tensor & lo, const torch::Tensor & hi);

// Per-token KL penalty between the policy and the reference model, TRL's
// PPOTrainer._kl_penalty plus K3. For every estimator but Full the inputs are the
// log-probs of the sampled tokens, [B, T]; for Full they are the full
// log-softmax over the vocabulary, [B, T, V], and the result is [B, T].
// K3 = (r - 1) - log r with r = exp(ref_logp - logp), computed as expm1(d) - d
// (d = ref_logp - logp) and floored at 0: mathematically never negative, and the
// floor removes the rounding noise when d is tiny.
torch::Tensor kl_penalty(const torch::Tensor & logprob, const torch::Tensor & ref_logprob, KlEstimator estimator);

// Index of the last nonzero mask entry per row, [B] int64: the last real
// response token. Throws std::invalid_argument if a row has no response token
// (TRL would fail with an IndexError there).
torch::Tensor last_true_index(const torch::Tensor & mask);

}  // namespace ragppo::rl
