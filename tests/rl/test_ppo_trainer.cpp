// The PPO step on real rollouts of a tiny GPT-2: at the first epoch the
// recomputed log-probs equal the rollout's and the ratio is exactly 1 (left
// padding, dropout off), the step changes the weights and the KL coefficient,
// the same seed gives the same step, a NaN loss stops the step.
#include "gpt2_fixtures.h"
#include "ragppo.h"
#include "rl/gpt2_load.h"
#include "rl/ppo_batch.h"
#include "rl/ppo_trainer.h"
#include "rl/rollout.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace ragppo;
using namespace ragppo::rl;

namespace {

// Queries of different lengths, so the rollout and the PPO batch are left-padded.
const std::vector<std::vector<int32_t>> kQueries = {
    {848, 487, 301, 544, 358}, {979, 442, 515, 960, 511, 250, 521, 199, 395}, {565, 663}, {17, 23, 99}};

struct Setup {
    std::unique_ptr<PpoTrainer> trainer;
    std::vector<RolloutSequence> rollouts;
    std::vector<std::vector<int32_t>> responses;
    std::vector<double> scores;
};

Setup make_setup(PpoConfig cfg, uint64_t seed = 3) {
    test::use_one_torch_thread();
    torch::manual_seed(0);
    auto policy = load_gpt2_policy(test::fixture("gpt2_tiny_vhead"));
    auto ref = frozen_copy(*policy);
    Setup s;
    RolloutParams rp;
    rp.max_new_tokens = 10;
    rp.eos_id = 999;
    rp.pad_id = 0;
    rp.return_logprobs = true;
    auto rng = make_cpu_generator(seed);
    s.rollouts = rollout(*policy, kQueries, rp, rng);
    for (size_t i = 0; i < s.rollouts.size(); ++i) {
        s.responses.push_back(s.rollouts[i].response);
        s.scores.push_back(0.1 + 0.2 * static_cast<double>(i));
    }
    s.trainer = std::make_unique<PpoTrainer>(policy, ref, cfg, 0);
    return s;
}

PpoConfig small_config() {
    PpoConfig cfg;
    cfg.batch_size = 4;
    cfg.mini_batch_size = 4;
    cfg.learning_rate = 1e-3;
    return cfg;
}

}  // namespace

// One epoch of one mini-batch: its statistics come from the first training forward
// pass, before any update, so the new log-probs must equal the scoring pass's exactly
// (left padding, dropout off): approximate and policy KL 0, nothing clipped.
TEST(PpoTrainer, FirstEpochRatioIsExactlyOneUnderLeftPadding) {
    auto cfg = small_config();
    cfg.ppo_epochs = 1;
    auto s = make_setup(cfg);
    const auto stats = s.trainer->step(kQueries, s.responses, s.scores);
    EXPECT_EQ(stats.at("ppo/policy/approxkl"), 0.0);
    EXPECT_EQ(stats.at("ppo/policy/policykl"), 0.0);
    EXPECT_EQ(stats.at("ppo/policy/clipfrac"), 0.0);
    EXPECT_EQ(stats.at("ppo/policy/skipped"), 0.0);
}

// The log-probs the step scores a batch with (forward_responses on the [query |
// response] layout, left-padded) are those the rollout sampled with.
TEST(PpoTrainer, RecomputedLogprobsMatchTheRollout) {
    auto s = make_setup(small_config());
    torch::NoGradGuard no_grad;
    s.trainer->policy().eval();
    const auto batch = make_ppo_batch(kQueries, s.responses, 0, torch::kCPU);
    const auto lp = forward_responses(s.trainer->policy(), batch, false).logprobs;
    ASSERT_EQ(lp.size(0), static_cast<int64_t>(s.rollouts.size()));
    double max_diff = 0;
    int64_t compared = 0;
    for (size_t r = 0; r < s.rollouts.size(); ++r)
        for (size_t t = 0; t < s.rollouts[r].logprobs.size(); ++t, ++compared)
            max_diff = std::max(max_diff, std::abs(double(s.rollouts[r].logprobs[t]) - lp[static_cast<int64_t>(r)][static_cast<int64_t>(t)].item<double>()));
    EXPECT_GT(compared, 10);
    EXPECT_LT(max_diff, 1e-4);
}

TEST(PpoTrainer, StepUpdatesWeightsAndKlCoefficient) {
    auto s = make_setup(small_config());
    const auto before = s.trainer->policy().transformer->wte->weight.clone();
    const double kl0 = s.trainer->kl_controller().value();
    const auto stats = s.trainer->step(kQueries, s.responses, s.scores);
    EXPECT_FALSE(torch::equal(before, s.trainer->policy().transformer->wte->weight));
    EXPECT_NE(kl0, s.trainer->kl_controller().value());
    for (const char * key : {"objective/kl", "objective/kl_coef", "objective/entropy", "ppo/mean_scores", "ppo/loss/policy",
                             "ppo/loss/value", "ppo/loss/total", "ppo/policy/approxkl", "ppo/policy/clipfrac",
                             "ppo/returns/mean", "ppo/val/vpred", "ppo/val/error", "ppo/policy/skipped",
                             "tokens/queries_len_mean", "tokens/responses_len_mean", "time/ppo/total"}) {
        ASSERT_TRUE(stats.count(key)) << key;
        EXPECT_TRUE(std::isfinite(stats.at(key))) << key;
    }
    EXPECT_EQ(stats.at("objective/kl_coef"), kl0);
    EXPECT_NEAR(stats.at("ppo/mean_scores"), 0.4, 1e-6);
    EXPECT_EQ(stats.at("ppo/policy/skipped"), 0.0);
}

TEST(PpoTrainer, SameSeedSameStep) {
    auto cfg = small_config();
    cfg.mini_batch_size = 2;  // shuffling matters
    auto a = make_setup(cfg), b = make_setup(cfg);
    auto sa = a.trainer->step(kQueries, a.responses, a.scores);
    auto sb = b.trainer->step(kQueries, b.responses, b.scores);
    EXPECT_EQ(sa.at("ppo/loss/total"), sb.at("ppo/loss/total"));
    EXPECT_TRUE(torch::equal(a.trainer->policy().transformer->wte->weight, b.trainer->policy().transformer->wte->weight));
}

TEST(PpoTrainer, RatioThresholdSkipsTheOptimiserStep) {
    auto cfg = small_config();
    cfg.ratio_threshold = 0.5;  // every mini-batch (ratio ~1) is over it
    auto s = make_setup(cfg);
    const auto before = s.trainer->policy().transformer->wte->weight.clone();
    const auto stats = s.trainer->step(kQueries, s.responses, s.scores);
    EXPECT_EQ(stats.at("ppo/policy/skipped"), 1.0);
    EXPECT_TRUE(torch::equal(before, s.trainer->policy().transformer->wte->weight));
    EXPECT_EQ(stats.at("ppo/loss/total"), 0.0);
}

TEST(PpoTrainer, NanScoreStopsWithNonFiniteLoss) {
    auto s = make_setup(small_config());
    auto scores = s.scores;
    scores[1] = std::nan("");
    EXPECT_THROW(s.trainer->step(kQueries, s.responses, scores), NonFiniteLoss);
}

TEST(PpoTrainer, WrongBatchSizeIsAnError) {
    auto s = make_setup(small_config());
    std::vector<std::vector<int32_t>> q(kQueries.begin(), kQueries.begin() + 3), r(s.responses.begin(), s.responses.begin() + 3);
    EXPECT_THROW(s.trainer->step(q, r, {0.1, 0.2, 0.3}), Error);
}
