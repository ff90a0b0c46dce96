#include "rl/ppo_trainer.h"

#include "rl/lora.h"
#include "rl/ppo_advantages.h"
#include "rl/mixed_precision.h"
#include "rl/ppo_batch.h"
#include "rl/ppo_inputs.h"
#include "rl/ppo_math.h"
#include "rl/sampling.h"
#include "util/heap_reuse.h"
#include "util/timer.h"
#include "ragppo.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>

namespace ragppo::rl {

namespace {

double seconds_since(util::Clock::time_point t0) { return util::ms_since(t0) / 1000.0; }

// TRL's time/ppo/* statistics: the seconds each stage of a step took, and the whole
// step's, measured around the stages rather than inside them.
class StageClock {
public:
    template <class F>
    auto operator()(const char * stage, F && run) {
        const auto t0 = util::Clock::now();
        auto result = run();
        times_[std::string("time/ppo/") + stage] = seconds_since(t0);
        return result;
    }
    void add_to(Stats & stats) const {
        stats.insert(times_.begin(), times_.end());
        stats["time/ppo/total"] = seconds_since(start_);
    }

private:
    util::Clock::time_point start_ = util::Clock::now();
    Stats times_;
};

// Row-wise concatenation of per-chunk [b, ...] results.
torch::Tensor cat_rows(const std::vector<torch::Tensor> & parts) {
    return parts.size() == 1 ? parts[0] : torch::cat(parts, 0);
}

// The rollouts of a PPO batch, as every rank has them after gather_rollouts.
struct Rollouts {
    std::vector<std::vector<int32_t>> queries, responses;
    std::vector<double> scores;
};

// Every rank's rollouts, in rank order: the whole batch. The PPO maths between the
// model passes (rewards, advantages, statistics) then runs on the whole batch on
// every rank, as in one process. (JSON, as run_ppo gathers its samples: nlohmann
// writes doubles so that they read back to the same bits.)
Rollouts gather_rollouts(DataParallel & dp, Rollouts local) {
    if (dp.world_size() == 1) return local;
    const nlohmann::json mine = {{"queries", local.queries}, {"responses", local.responses}, {"scores", local.scores}};
    Rollouts all;
    for (const auto & part : dp.all_gather_bytes(mine.dump())) {
        const auto j = nlohmann::json::parse(part);
        for (const auto & q : j.at("queries")) all.queries.push_back(q.get<std::vector<int32_t>>());
        for (const auto & r : j.at("responses")) all.responses.push_back(r.get<std::vector<int32_t>>());
        for (const auto & x : j.at("scores")) all.scores.push_back(x.get<double>());
    }
    return all;
}

// The decisions a mini-batch's statistics drive (stop on a NaN loss, skip by the ratio
// threshold, early stopping on the policy KL), made alike on every rank: rank 0's.
void agree_with_rank_0(DataParallel & dp, PpoLoss & loss) {
    auto & s = loss.stats;
    std::vector<torch::Tensor> decided{
        torch::tensor({s.at("loss/total"), loss.skipped ? 1.0 : 0.0, s.at("policy/policykl")}, torch::kFloat64)};
    dp.broadcast_(decided, 0);
    const auto d = decided[0];
    s["loss/total"] = d[0].item<double>();
    loss.skipped = d[1].item<double>() != 0.0;
    s["policy/skipped"] = loss.skipped ? 1.0 : 0.0;
    s["policy/policykl"] = d[2].item<double>();
}

}  // namespace

void check_rank_split(const PpoConfig & c, int ranks, const std::map<std::string, std::string> & names) {
    if (ranks > 1 && (c.batch_size % ranks != 0 || c.mini_batch_size % ranks != 0))
        throw Error(setting_name(names, "batch_size") + " " + std::to_string(c.batch_size) + " and " +
                    setting_name(names, "mini_batch_size") + " " +
                    std::to_string(c.mini_batch_size) + " must each be a multiple of the " + std::to_string(ranks) +
                    " ranks (each rank takes an equal share of every mini-batch)");
}

PpoTrainer::PpoTrainer(Gpt2Policy policy, Gpt2Policy ref, const PpoConfig & config, int64_t pad_id,
                       std::shared_ptr<DataParallel> dp)
    : policy_(std::move(policy)), ref_(std::move(ref)), config_(config), pad_id_(pad_id),
      dp_(dp ? std::move(dp) : std::make_shared<DataParallel>()), kl_(make_kl_controller(config)),
      shuffle_rng_(make_cpu_generator(config.seed)) {
    if (config_.batch_size < 1 || config_.mini_batch_size < 1 || config_.batch_size % config_.mini_batch_size != 0)
        throw Error("PPO: batch size " + std::to_string(config_.batch_size) + " must be a positive multiple of the mini-batch size " +
                    std::to_string(config_.mini_batch_size));
    if (config_.ppo_epochs < 1) throw Error("PPO: ppo_epochs must be at least 1");
    check_rank_split(config_, dp_->world_size());
    const bool lora = has_lora(*policy_);
    if (!ref_ && !lora)
        throw Error("PPO: a reference model is needed unless the policy has LoRA adapters (their base is the reference)");
    if (ref_ && lora)
        throw Error("PPO: a policy with LoRA adapters takes no reference model (its base weights are the reference)");
    // Every rank starts from rank 0's weights (a value head drawn at random differs otherwise).
    {
        torch::NoGradGuard no_grad;
        std::vector<torch::Tensor> weights;
        for (auto & t : policy_->parameters()) weights.push_back(t);
        if (ref_)
            for (auto & t : ref_->parameters()) weights.push_back(t);
        dp_->broadcast_(weights, 0);
    }
    // TRL's default optimiser: Adam over the trainable parameters (all, or the LoRA
    // adapters and the value head), default betas and eps.
    optimizer_ = std::make_unique<torch::optim::Adam>(
        trainable_parameters(*policy_), torch::optim::AdamOptions(config_.learning_rate).betas({0.9, 0.999}).eps(1e-8));
    if (ref_) {
        ref_->eval();
        for (auto & p : ref_->parameters()) p.set_requires_grad(false);
    }
    util::keep_freed_memory();  // every mini-batch reallocates the same large tensors
}

// ---------------------------------------------------------------- the step's stages

// 1. Log-probs and values of the rollout under the policy, log-probs under the
//    reference model; no gradient, no dropout, in chunks of a mini-batch (TRL's fbs).
//    Each rank runs its share of the rows; the results are gathered whole.
PpoTrainer::RolloutPasses PpoTrainer::score_rollouts(const PpoBatch & batch) {
    DataParallel & dp = *dp_;
    const bool full_kl = config_.kl_estimator == KlEstimator::Full;
    torch::NoGradGuard no_grad;
    CacheFrozenWeightCasts frozen(*policy_, config_.bf16);  // a LoRA base serves policy and reference passes
    AutocastScope precision(policy_->device(), config_.bf16);
    policy_->eval();
    const auto mine = dp.my_share(torch::arange(config_.batch_size, torch::kInt64));
    const int64_t chunk = config_.mini_batch_size / dp.world_size();
    std::vector<torch::Tensor> lp, val, ref_lp, kl_parts;
    for (int64_t start = 0; start < mine.size(0); start += chunk) {
        const auto part = select_rows(batch, mine.slice(0, start, start + chunk));
        auto fwd = forward_responses(*policy_, part, full_kl);
        auto ref_fwd = [&] {
            if (ref_) return forward_responses(*ref_, part, full_kl);
            LoraAdaptersOff base_only(*policy_);  // TRL with PEFT: disable_adapter()
            return forward_responses(*policy_, part, full_kl);
        }();
        lp.push_back(fwd.logprobs);
        val.push_back(fwd.values);
        ref_lp.push_back(ref_fwd.logprobs);
        // The full-vocabulary KL per token here, so only [b, R] is gathered.
        if (full_kl)
            kl_parts.push_back(kl_penalty(log_softmax_full(fwd.logits), log_softmax_full(ref_fwd.logits), KlEstimator::Full));
    }
    RolloutPasses out;
    out.old_logprobs = dp.all_gather_rows(cat_rows(lp));
    out.values = dp.all_gather_rows(cat_rows(val));
    out.ref_logprobs = dp.all_gather_rows(cat_rows(ref_lp));
    if (full_kl) out.full_kls = dp.all_gather_rows(cat_rows(kl_parts));
    return out;
}

// 2. Per-token rewards: -kl_coef * KL everywhere, the score on the last response token.
Rewards PpoTrainer::rewards(const PpoBatch & batch, const torch::Tensor & scores, const RolloutPasses & passes,
                            double kl_coef) const {
    const auto & mask = batch.response_mask;
    std::optional<torch::Tensor> score_index;
    if (config_.score_on_padded_end)
        score_index = torch::full({config_.batch_size}, mask.size(1) - 1, torch::TensorOptions(torch::kInt64).device(mask.device()));
    return config_.kl_estimator == KlEstimator::Full
               ? compute_rewards_from_kls(scores, passes.full_kls, mask, kl_coef, score_index)
               : compute_rewards(scores, passes.old_logprobs, passes.ref_logprobs, mask, kl_coef, config_.kl_estimator,
                                 score_index);
}

// 4. ppo_epochs passes over shuffled mini-batches, one Adam step each. Every rank
//    draws the same shuffle and takes its share of each mini-batch: its loss is its
//    tokens' part of the mini-batch's masked means, so the gradients summed over
//    ranks are those of the whole mini-batch in one process. Returns each
//    mini-batch's statistics; `early_stop` tells whether TRL's early stopping ended it.
std::vector<Stats> PpoTrainer::optimise(const PpoBatch & batch, const RolloutPasses & passes, const Advantages & adv,
                                        bool & early_stop) {
    DataParallel & dp = *dp_;
    const auto device = policy_->device();
    const int64_t bs = config_.batch_size, mbs = config_.mini_batch_size;
    const auto & mask = batch.response_mask;
    const auto opts = loss_options(config_);
    auto local_opts = opts;
    local_opts.ratio_threshold = std::numeric_limits<double>::infinity();  // decided on the whole mini-batch below
    std::vector<Stats> minibatch_stats;
    early_stop = false;
    for (int64_t epoch = 0; epoch < config_.ppo_epochs && !early_stop; ++epoch) {
        const auto perm = torch::randperm(bs, shuffle_rng_, torch::kInt64);
        for (int64_t start = 0; start < bs; start += mbs) {
            const auto rows = perm.slice(0, start, start + mbs);
            const auto my_rows = dp.my_share(rows);
            const auto rows_dev = rows.to(device), my_rows_dev = my_rows.to(device);
            const auto mb = select_rows(batch, my_rows);
            policy_->train(config_.dropout_in_ppo);
            const auto fwd = [&] {
                // Per mini-batch: the region's bf16 weight copies must not outlive the Adam step.
                AutocastScope precision(device, config_.bf16);
                return forward_responses(*policy_, mb, true);
            }();
            const bool alone = dp.world_size() == 1;
            PpoLossInputs in;
            if (alone) in.logits = fwd.logits;  // the entropy statistic
            in.old_logprobs = passes.old_logprobs.index_select(0, my_rows_dev);
            in.values = adv.values.index_select(0, my_rows_dev);
            in.vpreds = fwd.values;
            in.logprobs = fwd.logprobs;
            in.mask = mb.response_mask;
            in.advantages = adv.advantages.index_select(0, my_rows_dev);
            in.returns = adv.returns.index_select(0, my_rows_dev);
            auto loss = ppo_loss(in, alone ? opts : local_opts);

            // With several ranks: the statistics and the ratio-threshold decision on the
            // whole mini-batch, and rank 0's decisions for all (floating-point sums may
            // differ in their last bits between machines; the ranks must not).
            PpoLossInputs whole;
            PpoLoss gathered;
            if (!alone) {
                torch::NoGradGuard no_grad;
                whole.old_logprobs = passes.old_logprobs.index_select(0, rows_dev);
                whole.values = adv.values.index_select(0, rows_dev);
                whole.vpreds = dp.all_gather_rows(fwd.values.detach());
                whole.logprobs = dp.all_gather_rows(fwd.logprobs.detach());
                whole.entropy = dp.all_gather_rows(entropy_from_logits(fwd.logits.detach()));
                whole.mask = mask.index_select(0, rows_dev);
                whole.advantages = adv.advantages.index_select(0, rows_dev);
                whole.returns = adv.returns.index_select(0, rows_dev);
                gathered = ppo_loss(whole, opts);
                agree_with_rank_0(dp, gathered);
            }
            const PpoLoss & over_ranks = alone ? loss : gathered;
            if (!std::isfinite(over_ranks.stats.at("loss/total")))
                throw NonFiniteLoss("the PPO loss is " + std::to_string(over_ranks.stats.at("loss/total")) + " (policy " +
                                    std::to_string(over_ranks.stats.at("loss/policy")) + ", value " +
                                    std::to_string(over_ranks.stats.at("loss/value")) + ")");
            // TRL steps Adam even on a skipped (zeroed) loss, so its momentum still
            // moves the weights; by default we leave the step out.
            if (!over_ranks.skipped || config_.step_optimizer_on_skipped_minibatch) {
                const double share = alone ? 1.0 : (in.mask.sum() / whole.mask.sum()).item<double>();
                optimizer_->zero_grad();
                (over_ranks.skipped ? loss.total * 0.0 : loss.total * share).backward();
                std::vector<torch::Tensor> grads;
                for (auto & p : trainable_parameters(*policy_))
                    if (p.grad().defined()) grads.push_back(p.mutable_grad());
                dp.all_reduce_sum_(grads);
                if (config_.max_grad_norm)
                    torch::nn::utils::clip_grad_norm_(trainable_parameters(*policy_), *config_.max_grad_norm);
                optimizer_->step();
                optimizer_->zero_grad();
            }
            minibatch_stats.push_back(over_ranks.stats);
        }
        // TRL's early stopping is decided per epoch, on the last mini-batch's policy KL.
        if (config_.early_stopping && minibatch_stats.back().at("policy/policykl") > 1.5 * config_.target_kl)
            early_stop = true;
    }
    policy_->eval();
    return minibatch_stats;
}

// 5. TRL's statistics of the step, then the KL controller sees its KL (rank 0's
//    coefficient for every rank).
Stats PpoTrainer::statistics(const PpoBatch & batch, const torch::Tensor & scores, const RolloutPasses & passes,
                             const Rewards & rw, double kl_coef, const std::vector<Stats> & minibatch_stats,
                             bool early_stop) {
    StepStatsInputs si;
    si.kls = rw.kls;
    si.logprobs = passes.old_logprobs;
    si.mask = batch.response_mask;
    si.non_score_rewards = rw.non_score_rewards;
    si.scores = scores;
    si.query_lens = batch.query_lens;
    si.response_lens = batch.response_lens;
    si.kl_coef = kl_coef;
    si.minibatch_stats = minibatch_stats;
    auto stats = step_stats(si);
    kl_->update(stats.at("objective/kl"), config_.batch_size);  // TRL with accelerate: batch_size * processes, the whole batch
    if (dp_->world_size() > 1) {
        std::vector<torch::Tensor> coef{torch::tensor({kl_->value()}, torch::kFloat64)};
        dp_->broadcast_(coef, 0);  // rank 0's, as for the decisions in optimise()
        kl_->set_value(coef[0].item<double>());
    }
    stats["ppo/learning_rate"] = config_.learning_rate;
    stats["ppo/early_stopped"] = early_stop ? 1.0 : 0.0;
    return stats;
}

// ---------------------------------------------------------------- the step

Stats PpoTrainer::step(const std::vector<std::vector<int32_t>> & my_queries,
                       const std::vector<std::vector<int32_t>> & my_responses, const std::vector<double> & my_scores) {
    StageClock clock;
    if (static_cast<int64_t>(my_queries.size()) * dp_->world_size() != config_.batch_size)
        throw Error("PPO step: got " + std::to_string(my_queries.size()) + " samples" +
                    (dp_->world_size() > 1 ? " on each of " + std::to_string(dp_->world_size()) + " ranks" : std::string()) +
                    ", the batch size is " + std::to_string(config_.batch_size));
    if (my_scores.size() != my_queries.size()) throw Error("PPO step: one score per response is needed");
    const auto device = policy_->device();

    // 0. The whole batch on every rank (one process: what it was given). The model
    //    passes each run on this rank's share of the rows; the maths between them
    //    runs on the whole batch, identically on every rank.
    const Rollouts all = gather_rollouts(*dp_, {my_queries, my_responses, my_scores});
    const auto batch = make_ppo_batch(all.queries, all.responses, pad_id_, device);
    const auto scores = torch::tensor(all.scores, torch::kFloat64).to(torch::kFloat32).to(device);

    const auto passes = clock("forward_pass", [&] { return score_rollouts(batch); });
    const double kl_coef = kl_->value();
    const auto rw = clock("compute_rewards", [&] { return rewards(batch, scores, passes, kl_coef); });
    // 3. GAE advantages (whitened) and value targets.
    const auto adv = clock("compute_advantages", [&] { return compute_advantages(passes.values, rw.rewards, batch.response_mask, config_); });
    bool early_stop = false;
    const auto minibatch_stats = clock("optimize_step", [&] { return optimise(batch, passes, adv, early_stop); });
    auto stats = clock("calc_stats", [&] {
        return statistics(batch, scores, passes, rw, kl_coef, minibatch_stats, early_stop);
    });
    clock.add_to(stats);
    return stats;
}

}  // namespace ragppo::rl
