// The PPO mini-batch loss and the statistics TRL 0.11.4 logs, on padded
// [B, T] tensors with a response mask: PPOTrainer.loss (clipped policy and
// value losses, the ratio-threshold skip) and PPOTrainer.record_step_stats
// (objective/*, ppo/* as the mean over mini-batches, tokens/*).
#pragma once

#include "rl/ppo_config.h"

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace ragppo::rl {

// Named scalar statistics, with TRL's names.
using Stats = std::map<std::string, double>;

struct PpoLossInputs {
    torch::Tensor old_logprobs;  // [B, T] log-probs of the rollout (no grad)
    torch::Tensor values;        // [B, T] values of the rollout, masked (compute_advantages' values)
    torch::Tensor logits;        // [B, T, V] current logits; used only for the entropy statistic (may be undefined)
    torch::Tensor entropy;       // [B, T] per-token entropy, for the statistic when logits is undefined (may be undefined)
    torch::Tensor vpreds;        // [B, T] current value predictions (with grad)
    torch::Tensor logprobs;      // [B, T] current log-probs (with grad)
    torch::Tensor mask;          // [B, T] response mask
    torch::Tensor advantages;    // [B, T] whitened, detached
    torch::Tensor returns;       // [B, T] value targets
};

struct PpoLossOptions {
    double cliprange = 0.2;
    double cliprange_value = 0.2;
    double vf_coef = 0.1;
    double ratio_threshold = 10.0;
};
PpoLossOptions loss_options(const PpoConfig & cfg);

struct PpoLoss {
    torch::Tensor total;     // pg_loss + vf_coef * vf_loss: what is backpropagated (0 when skipped)
    torch::Tensor pg_loss;   // clipped policy loss
    torch::Tensor vf_loss;   // clipped value loss, before vf_coef
    double avg_ratio = 0;    // masked mean of exp(logprobs - old_logprobs)
    bool skipped = false;    // avg_ratio > ratio_threshold: losses zeroed, the trainer skips the step
    // TRL's flattened loss statistics (loss/policy, loss/value, loss/total,
    // policy/entropy, policy/approxkl, policy/policykl, policy/clipfrac,
    // policy/advantages_mean, returns/mean, returns/var, val/vpred, val/error,
    // val/clipfrac, val/mean, val/var) plus policy/skipped (1 or 0, ours).
    // The per-token distributions TRL also logs (policy/advantages,
    // policy/ratio) are left out.
    Stats stats;
};

// TRL PPOTrainer.loss:
//   ratio     = exp(logprobs - old_logprobs)
//   pg_loss   = masked_mean(max(-adv * ratio, -adv * clamp(ratio, 1 - cliprange, 1 + cliprange)))
//   vpredclip = clip_by_value(vpreds, values - cliprange_value, values + cliprange_value)
//   vf_loss   = 0.5 * masked_mean(max((vpreds - returns)^2, (vpredclip - returns)^2))
//   total     = pg_loss + vf_coef * vf_loss
// A mini-batch whose masked mean ratio exceeds ratio_threshold has all three
// losses multiplied by 0 (TRL warns and still steps the optimiser; we report
// `skipped` so the trainer can leave the step out, PpoConfig::
// step_optimizer_on_skipped_minibatch). The statistics are computed without
// gradient.
PpoLoss ppo_loss(const PpoLossInputs & in, const PpoLossOptions & opt);

struct StepStatsInputs {
    torch::Tensor kls;                // [B, T] per-token KL (Rewards::kls)
    torch::Tensor logprobs;           // [B, T] rollout log-probs
    torch::Tensor mask;               // [B, T]
    torch::Tensor non_score_rewards;  // [B, T]
    torch::Tensor scores;             // [B]
    std::vector<int64_t> query_lens;     // tokens per query
    std::vector<int64_t> response_lens;  // tokens per response
    double kl_coef = 0;                  // the coefficient used for this step's rewards
    std::vector<Stats> minibatch_stats;  // PpoLoss::stats of every mini-batch of the step
};

// TRL PPOTrainer.record_step_stats:
//   objective/kl      = mean over rows of sum(kls * mask)   (the KL fed to the controller)
//   objective/kl_coef = kl_coef
//   objective/entropy = mean over rows of sum(-logprobs * mask)
//   ppo/mean_non_score_reward = masked_mean(non_score_rewards)
//   ppo/mean_scores, ppo/std_scores (unbiased)
//   tokens/{queries,responses}_len_{mean,std}
//   ppo/<k> = mean over mini-batches of each loss statistic k
//   ppo/val/var_explained = 1 - ppo/val/error / ppo/returns/var
Stats step_stats(const StepStatsInputs & in);

}  // namespace ragppo::rl
