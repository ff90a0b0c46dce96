#include "rl/ppo_loss.h"

#include "rl/ppo_math.h"
#include "util/summary_stats.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace ragppo::rl {

namespace {

double scalar(const torch::Tensor & t) { return t.item<double>(); }

}  // namespace

PpoLossOptions loss_options(const PpoConfig & cfg) {
    return PpoLossOptions{cfg.cliprange, cfg.cliprange_value, cfg.vf_coef, cfg.ratio_threshold};
}

// TRL PPOTrainer.loss.
PpoLoss ppo_loss(const PpoLossInputs & in, const PpoLossOptions & opt) {
    if (in.logprobs.sizes() != in.mask.sizes() || in.old_logprobs.sizes() != in.mask.sizes() ||
        in.vpreds.sizes() != in.mask.sizes() || in.values.sizes() != in.mask.sizes() ||
        in.advantages.sizes() != in.mask.sizes() || in.returns.sizes() != in.mask.sizes()) {
        throw std::invalid_argument("ppo_loss: every [B, T] input must have the mask's shape");
    }
    const auto & mask = in.mask;

    // Value loss: the new prediction may move at most cliprange_value from the rollout's value.
    const auto vpredclipped =
        clip_by_value(in.vpreds, in.values - opt.cliprange_value, in.values + opt.cliprange_value);
    const auto vf_losses1 = (in.vpreds - in.returns).square();
    const auto vf_losses2 = (vpredclipped - in.returns).square();
    auto vf_loss = 0.5 * masked_mean(torch::max(vf_losses1, vf_losses2), mask);

    // Policy loss: the pessimistic of the unclipped and clipped surrogate objectives.
    const auto ratio = torch::exp(in.logprobs - in.old_logprobs);
    const auto pg_losses = -in.advantages * ratio;
    const auto pg_losses2 = -in.advantages * torch::clamp(ratio, 1.0 - opt.cliprange, 1.0 + opt.cliprange);
    auto pg_loss = masked_mean(torch::max(pg_losses, pg_losses2), mask);

    auto loss = pg_loss + opt.vf_coef * vf_loss;

    PpoLoss out;
    out.avg_ratio = scalar(masked_mean(ratio.detach(), mask));
    out.skipped = out.avg_ratio > opt.ratio_threshold;
    if (out.skipped) {
        pg_loss = pg_loss * 0.0;
        vf_loss = vf_loss * 0.0;
        loss = loss * 0.0;
    }
    out.total = loss;
    out.pg_loss = pg_loss;
    out.vf_loss = vf_loss;

    torch::NoGradGuard no_grad;
    const auto logprobs = in.logprobs.detach();
    const auto vpreds = in.vpreds.detach();
    auto & s = out.stats;
    s["loss/policy"] = scalar(pg_loss);
    s["loss/value"] = scalar(vf_loss);
    s["loss/total"] = scalar(loss);
    if (in.logits.defined())
        s["policy/entropy"] = scalar(masked_mean(entropy_from_logits(in.logits.detach()), mask));
    else if (in.entropy.defined())
        s["policy/entropy"] = scalar(masked_mean(in.entropy, mask));
    s["policy/approxkl"] = scalar(0.5 * masked_mean((logprobs - in.old_logprobs).square(), mask));
    s["policy/policykl"] = scalar(masked_mean(in.old_logprobs - logprobs, mask));
    s["policy/clipfrac"] = scalar(masked_mean(torch::gt(pg_losses2, pg_losses).to(ratio.scalar_type()), mask));
    s["policy/advantages_mean"] = scalar(masked_mean(in.advantages, mask));
    s["policy/skipped"] = out.skipped ? 1.0 : 0.0;
    s["returns/mean"] = scalar(masked_mean(in.returns, mask));
    s["returns/var"] = scalar(masked_var(in.returns, mask));
    s["val/vpred"] = scalar(masked_mean(vpreds, mask));
    s["val/error"] = scalar(masked_mean((vpreds - in.returns).square(), mask));
    s["val/clipfrac"] = scalar(masked_mean(torch::gt(vf_losses2, vf_losses1).to(vpreds.scalar_type()), mask));
    s["val/mean"] = scalar(masked_mean(in.values, mask));
    s["val/var"] = scalar(masked_var(in.values, mask));
    return out;
}

// TRL PPOTrainer.record_step_stats (the scalar part).
Stats step_stats(const StepStatsInputs & in) {
    torch::NoGradGuard no_grad;
    const auto m = in.mask.to(in.kls.scalar_type());
    Stats s;
    s["objective/kl"] = scalar((in.kls * m).sum(-1).mean());
    s["objective/kl_coef"] = in.kl_coef;
    s["objective/entropy"] = scalar((-in.logprobs * m).sum(-1).mean());
    s["ppo/mean_non_score_reward"] = scalar(masked_mean(in.non_score_rewards, in.mask));
    s["ppo/mean_scores"] = scalar(in.scores.mean());
    s["ppo/std_scores"] = scalar(in.scores.std());
    const auto [q_mean, q_std] = util::mean_std(in.query_lens);
    const auto [r_mean, r_std] = util::mean_std(in.response_lens);
    s["tokens/queries_len_mean"] = q_mean;
    s["tokens/queries_len_std"] = q_std;
    s["tokens/responses_len_mean"] = r_mean;
    s["tokens/responses_len_std"] = r_std;

    // ppo/<k>: the mean over mini-batches (TRL stacks them and averages axis 0).
    std::map<std::string, std::pair<double, int>> sums;
    for (const auto & mb : in.minibatch_stats) {
        for (const auto & [k, v] : mb) {
            auto & acc = sums[k];
            acc.first += v;
            acc.second += 1;
        }
    }
    for (const auto & [k, acc] : sums) s["ppo/" + k] = acc.first / acc.second;
    if (s.count("ppo/val/error") && s.count("ppo/returns/var")) {
        s["ppo/val/var_explained"] = 1.0 - s["ppo/val/error"] / s["ppo/returns/var"];
    }
    return s;
}

}  // namespace ragppo::rl
