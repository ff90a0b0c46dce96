#include "rl/ppo_trainer.h"

#include "rl/ppo_advantages.h"
#include "rl/mixed_precision.h"
#include "rl/ppo_batch.h"
#include "rl/ppo_math.h"
#include "rl/sampling.h"
#include "util/heap_reuse.h"
#include "util/timer.h"
#include "ragppo.h"

#include <cmath>

namespace ragppo::rl {

namespace {

double seconds_since(util::Clock::time_point t0) { return util::ms_since(t0) / 1000.0; }

// Row-wise concatenation of per-chunk [b, ...] results.
torch::Tensor cat_rows(const std::vector<torch::Tensor> & parts) {
    return parts.size() == 1 ? parts[0] : torch::cat(parts, 0);
}

}  // namespace

PpoTrainer::PpoTrainer(Gpt2Policy policy, Gpt2Policy ref, const PpoConfig & config, int64_t pad_id)
    : policy_(std::move(policy)), ref_(std::move(ref)), config_(config), pad_id_(pad_id),
      kl_(make_kl_controller(config)), shuffle_rng_(make_cpu_generator(config.seed)) {
    if (config_.batch_size < 1 || config_.mini_batch_size < 1 || config_.batch_size % config_.mini_batch_size != 0)
        throw Error("PPO: batch size " + std::to_string(config_.batch_size) + " must be a positive multiple of the mini-batch size " +
                    std::to_string(config_.mini_batch_size));
    if (config_.ppo_epochs < 1) throw Error("PPO: ppo_epochs must be at least 1");
    // TRL's default optimiser: Adam over the trainable parameters, default betas and eps.
    optimizer_ = std::make_unique<torch::optim::Adam>(
        policy_->parameters(), torch::optim::AdamOptions(config_.learning_rate).betas({0.9, 0.999}).eps(1e-8));
    ref_->eval();
    for (auto & p : ref_->parameters()) p.set_requires_grad(false);
    util::keep_freed_memory();  // every mini-batch reallocates the same large tensors
}

Stats PpoTrainer::step(const std::vector<std::vector<int32_t>> & queries,
                       const std::vector<std::vector<int32_t>> & responses, const std::vector<double> & scores_in) {
    const auto t_step = util::Clock::now();
    const int64_t bs = static_cast<int64_t>(queries.size());
    if (bs != config_.batch_size)
        throw Error("PPO step: got " + std::to_string(bs) + " samples, the batch size is " + std::to_string(config_.batch_size));
    if (static_cast<int64_t>(scores_in.size()) != bs) throw Error("PPO step: one score per response is needed");
    const auto device = policy_->device();
    const bool full_kl = config_.kl_estimator == KlEstimator::Full;
    const int64_t mbs = config_.mini_batch_size;
    Stats timing;

    const auto batch = make_ppo_batch(queries, responses, pad_id_, device);
    const auto scores = torch::tensor(scores_in, torch::kFloat64).to(torch::kFloat32).to(device);
    const auto & mask = batch.response_mask;

    // 1. Log-probs and values of the rollout under the policy, log-probs under the
    //    reference model; no gradient, no dropout, in chunks of a mini-batch (TRL's fbs).
    auto t0 = util::Clock::now();
    torch::Tensor old_logprobs, values, ref_logprobs, kl_logp, kl_ref_logp;
    {
        torch::NoGradGuard no_grad;
        AutocastScope precision(device, config_.bf16);
        policy_->eval();
        std::vector<torch::Tensor> lp, val, ref_lp, full_lp, full_ref;
        for (int64_t start = 0; start < bs; start += mbs) {
            const auto rows = torch::arange(start, std::min(start + mbs, bs), torch::kInt64);
            const auto chunk = select_rows(batch, rows);
            auto fwd = forward_responses(*policy_, chunk, full_kl);
            auto ref_fwd = forward_responses(*ref_, chunk, full_kl);
            lp.push_back(fwd.logprobs);
            val.push_back(fwd.values);
            ref_lp.push_back(ref_fwd.logprobs);
            if (full_kl) {
                full_lp.push_back(log_softmax_full(fwd.logits));
                full_ref.push_back(log_softmax_full(ref_fwd.logits));
            }
        }
        old_logprobs = cat_rows(lp);
        values = cat_rows(val);
        ref_logprobs = cat_rows(ref_lp);
        kl_logp = full_kl ? cat_rows(full_lp) : old_logprobs;
        kl_ref_logp = full_kl ? cat_rows(full_ref) : ref_logprobs;
    }
    timing["time/ppo/forward_pass"] = seconds_since(t0);

    // 2. Per-token rewards: -kl_coef * KL everywhere, the score on the last response token.
    t0 = util::Clock::now();
    const double kl_coef = kl_->value();
    std::optional<torch::Tensor> score_index;
    if (config_.score_on_padded_end)
        score_index = torch::full({bs}, mask.size(1) - 1, torch::TensorOptions(torch::kInt64).device(device));
    const auto rw = compute_rewards(scores, kl_logp, kl_ref_logp, mask, kl_coef, config_.kl_estimator, score_index);
    timing["time/ppo/compute_rewards"] = seconds_since(t0);

    // 3. GAE advantages (whitened) and value targets.
    t0 = util::Clock::now();
    const auto adv = compute_advantages(values, rw.rewards, mask, config_);
    timing["time/ppo/compute_advantages"] = seconds_since(t0);

    // 4. ppo_epochs passes over shuffled mini-batches, one Adam step each.
    t0 = util::Clock::now();
    const auto opts = loss_options(config_);
    std::vector<Stats> minibatch_stats;
    bool early_stop = false;
    first_pass_ = {};
    for (int64_t epoch = 0; epoch < config_.ppo_epochs && !early_stop; ++epoch) {
        const auto perm = torch::randperm(bs, shuffle_rng_, torch::kInt64);
        for (int64_t start = 0; start < bs; start += mbs) {
            const auto rows = perm.slice(0, start, start + mbs);
            const auto rows_dev = rows.to(device);
            const auto mb = select_rows(batch, rows);
            policy_->train(config_.dropout_in_ppo);
            const auto fwd = [&] {
                // Per mini-batch: the region's bf16 weight copies must not outlive the Adam step.
                AutocastScope precision(device, config_.bf16);
                return forward_responses(*policy_, mb, true);
            }();
            PpoLossInputs in;
            in.old_logprobs = old_logprobs.index_select(0, rows_dev);
            in.values = adv.values.index_select(0, rows_dev);
            in.logits = fwd.logits;
            in.vpreds = fwd.values;
            in.logprobs = fwd.logprobs;
            in.mask = mb.response_mask;
            in.advantages = adv.advantages.index_select(0, rows_dev);
            in.returns = adv.returns.index_select(0, rows_dev);
            auto loss = ppo_loss(in, opts);
            if (epoch == 0 && start == 0)
                first_pass_ = {in.old_logprobs, fwd.logprobs.detach(), in.mask, loss.avg_ratio};
            if (!std::isfinite(loss.stats.at("loss/total")))
                throw NonFiniteLoss("the PPO loss is " + std::to_string(loss.stats.at("loss/total")) + " (policy " +
                                    std::to_string(loss.stats.at("loss/policy")) + ", value " +
                                    std::to_string(loss.stats.at("loss/value")) + ")");
            // TRL steps Adam even on a skipped (zeroed) loss, so its momentum still
            // moves the weights; by default we leave the step out.
            if (!loss.skipped || config_.step_optimizer_on_skipped_minibatch) {
                optimizer_->zero_grad();
                loss.total.backward();
                if (config_.max_grad_norm) torch::nn::utils::clip_grad_norm_(policy_->parameters(), *config_.max_grad_norm);
                optimizer_->step();
                optimizer_->zero_grad();
            }
            minibatch_stats.push_back(std::move(loss.stats));
        }
        // TRL's early stopping is decided per epoch, on the last mini-batch's policy KL.
        if (config_.early_stopping && minibatch_stats.back().at("policy/policykl") > 1.5 * config_.target_kl)
            early_stop = true;
    }
    policy_->eval();
    timing["time/ppo/optimize_step"] = seconds_since(t0);

    // 5. Statistics, then the KL controller sees this step's KL.
    t0 = util::Clock::now();
    StepStatsInputs si;
    si.kls = rw.kls;
    si.logprobs = old_logprobs;
    si.mask = mask;
    si.non_score_rewards = rw.non_score_rewards;
    si.scores = scores;
    si.query_lens = batch.query_lens;
    si.response_lens = batch.response_lens;
    si.kl_coef = kl_coef;
    si.minibatch_stats = minibatch_stats;
    auto stats = step_stats(si);
    kl_->update(stats.at("objective/kl"), bs);
    stats["ppo/learning_rate"] = config_.learning_rate;
    stats["ppo/early_stopped"] = early_stop ? 1.0 : 0.0;
    timing["time/ppo/calc_stats"] = seconds_since(t0);
    timing["time/ppo/total"] = seconds_since(t_step);
    stats.insert(timing.begin(), timing.end());
    return stats;
}

}  // namespace ragppo::rl
