#include "rl/ppo_advantages.h"

#include "rl/ppo_math.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace ragppo::rl {

// TRL PPOTrainer.compute_rewards, batched instead of a Python loop over rows.
Rewards compute_rewards(const torch::Tensor & scores, const torch::Tensor & logprobs, const torch::Tensor & ref_logprobs,
                        const torch::Tensor & mask, double kl_coef, KlEstimator estimator,
                        const std::optional<torch::Tensor> & score_index) {
    if (mask.dim() != 2) throw std::invalid_argument("compute_rewards: the mask must be [B, T]");
    if (scores.dim() != 1 || scores.size(0) != mask.size(0)) {
        throw std::invalid_argument("compute_rewards: scores must be [B] with B the mask's rows");
    }
    return compute_rewards_from_kls(scores, kl_penalty(logprobs, ref_logprobs, estimator), mask, kl_coef, score_index);
}

Rewards compute_rewards_from_kls(const torch::Tensor & scores, const torch::Tensor & kls, const torch::Tensor & mask,
                                 double kl_coef, const std::optional<torch::Tensor> & score_index) {
    if (mask.dim() != 2) throw std::invalid_argument("compute_rewards: the mask must be [B, T]");
    if (scores.dim() != 1 || scores.size(0) != mask.size(0)) {
        throw std::invalid_argument("compute_rewards: scores must be [B] with B the mask's rows");
    }
    Rewards out;
    out.kls = kls;
    if (out.kls.sizes() != mask.sizes()) throw std::invalid_argument("compute_rewards: log-probs and mask differ in shape");
    out.non_score_rewards = -kl_coef * out.kls;
    out.score_index = score_index ? score_index->to(torch::kLong) : last_true_index(mask);
    // reward = non_score_reward, plus the score on the score index
    out.rewards = out.non_score_rewards.clone();
    const auto idx = out.score_index.unsqueeze(1);
    out.rewards.scatter_add_(1, idx, scores.to(out.rewards.scalar_type()).unsqueeze(1));
    return out;
}

// TRL PPOTrainer.compute_advantages.
Advantages compute_advantages(const torch::Tensor & values, const torch::Tensor & rewards, const torch::Tensor & mask,
                              double gamma, double lam, bool whiten_rewards) {
    if (values.sizes() != rewards.sizes() || values.sizes() != mask.sizes() || values.dim() != 2) {
        throw std::invalid_argument("compute_advantages: values, rewards and mask must be [B, T] alike");
    }
    const auto m = mask.to(values.scalar_type());
    const auto masked_values = values * m;
    auto masked_rewards = rewards * m;
    if (whiten_rewards) masked_rewards = masked_whiten(masked_rewards, m, /*shift_mean=*/false);

    // delta_t = r_t + gamma * V_{t+1} - V_t;  A_t = delta_t + gamma * lam * A_{t+1};  V_T = A_T = 0
    const int64_t gen_len = rewards.size(1);
    std::vector<torch::Tensor> reversed;
    reversed.reserve(gen_len);
    torch::Tensor lastgaelam = torch::zeros({values.size(0)}, values.options());
    for (int64_t t = gen_len - 1; t >= 0; --t) {
        const auto nextvalues = t < gen_len - 1 ? masked_values.select(1, t + 1) : torch::zeros_like(lastgaelam);
        const auto delta = masked_rewards.select(1, t) + gamma * nextvalues - masked_values.select(1, t);
        lastgaelam = delta + gamma * lam * lastgaelam;
        reversed.push_back(lastgaelam);
    }
    std::reverse(reversed.begin(), reversed.end());
    const auto advantages = torch::stack(reversed, 1);

    Advantages out;
    out.values = masked_values;
    out.returns = advantages + masked_values;
    out.advantages = masked_whiten(advantages, m).detach();
    return out;
}

}  // namespace ragppo::rl
