// PPO maths parity with TRL 0.11.4's classic PPOTrainer (fixtures from
// scripts/fixtures/fx_ppo_math.py, which runs TRL's own code): log-probs,
// entropy, masked statistics, whitening, the KL estimators (K3 against numpy),
// rewards with the score on the last real token, GAE, the clipped losses and
// their statistics, the step statistics and the KL controllers, on random
// tensors with right-, left- and response-only padding, masks with holes, in
// float32 (tolerance 1e-5) and float64 (1e-6).
#include "rl/kl_controller.h"
#include "rl/ppo_advantages.h"
#include "rl/ppo_config.h"
#include "rl/ppo_loss.h"
#include "rl/ppo_math.h"
#include "support/files.h"
#include "support/paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <string>

using namespace ragppo;
using namespace ragppo::rl;
using nlohmann::json;

namespace {

const json & fixture() {
    static const json j = test::read_fixture_json("ppo_math.json");
    return j;
}

// {"dtype", "shape", "data"} -> tensor of that dtype.
torch::Tensor tensor(const json & j) {
    std::vector<int64_t> shape = j.at("shape").get<std::vector<int64_t>>();
    const std::string dtype = j.at("dtype").get<std::string>();
    if (dtype == "i64") {
        auto data = j.at("data").get<std::vector<int64_t>>();
        return torch::tensor(data, torch::kLong).reshape(shape);
    }
    auto data = j.at("data").get<std::vector<double>>();
    auto t = torch::tensor(data, torch::kDouble).reshape(shape);
    return dtype == "f32" ? t.to(torch::kFloat) : t;
}

double tolerance(const torch::Tensor & t) { return t.scalar_type() == torch::kFloat ? 1e-5 : 1e-6; }

// Max |ours - ref| below the dtype's tolerance, shapes and dtypes equal, no NaN.
void expect_close(const torch::Tensor & ours, const torch::Tensor & ref, const std::string & what) {
    ASSERT_EQ(ours.sizes(), ref.sizes()) << what;
    ASSERT_EQ(ours.scalar_type(), ref.scalar_type()) << what;
    ASSERT_FALSE(ours.isnan().any().item<bool>()) << what;
    const double diff = (ours.to(torch::kDouble) - ref.to(torch::kDouble)).abs().max().item<double>();
    EXPECT_LE(diff, tolerance(ref)) << what;
}

void expect_close(double ours, double ref, double tol, const std::string & what) {
    EXPECT_LE(std::abs(ours - ref), tol) << what << ": ours " << ours << " TRL " << ref;
}

KlEstimator estimator(const std::string & name) {
    auto e = parse_kl_estimator(name);
    if (!e) throw std::runtime_error("unknown estimator " + name);
    return *e;
}

}  // namespace

TEST(PpoMath, FixtureFromTrl0114) { EXPECT_EQ(fixture().at("trl_version").get<std::string>(), "0.11.4"); }

TEST(PpoMath, CoreFunctionsMatchTrl) {
    ASSERT_FALSE(fixture().at("core").empty()) << "fixture array core is empty";
    for (const auto & c : fixture().at("core")) {
        const std::string name = c.at("name");
        const auto mask = tensor(c.at("mask"));
        const auto logits = tensor(c.at("logits"));
        const auto x = tensor(c.at("x"));
        expect_close(logprobs_from_logits(logits, tensor(c.at("labels"))), tensor(c.at("logprobs")), name + " logprobs");
        expect_close(entropy_from_logits(logits), tensor(c.at("entropy")), name + " entropy");
        expect_close(masked_mean(x, mask), tensor(c.at("masked_mean")), name + " masked_mean");
        expect_close(masked_mean(x, mask, 1), tensor(c.at("masked_mean_dim1")), name + " masked_mean dim 1");
        expect_close(masked_var(x, mask), tensor(c.at("masked_var")), name + " masked_var");
        expect_close(masked_var(x, mask, false), tensor(c.at("masked_var_biased")), name + " masked_var biased");
        expect_close(masked_whiten(x, mask), tensor(c.at("whiten")), name + " masked_whiten");
        expect_close(masked_whiten(x, mask, false), tensor(c.at("whiten_keep_mean")), name + " masked_whiten keep mean");
        expect_close(clip_by_value(tensor(c.at("y")), tensor(c.at("lo")), tensor(c.at("hi"))), tensor(c.at("clip")),
                     name + " clip_by_value");
    }
}

TEST(PpoMath, KlEstimatorsMatchTrlAndNumpy) {
    ASSERT_FALSE(fixture().at("kl").empty()) << "fixture array kl is empty";
    for (const auto & c : fixture().at("kl")) {
        const std::string name = c.at("name");
        const auto lp = tensor(c.at("logprob"));
        const auto ref = tensor(c.at("ref_logprob"));
        for (const char * est : {"kl", "abs", "mse", "k3"}) {
            expect_close(kl_penalty(lp, ref, estimator(est)), tensor(c.at(est)), name + " " + est);
        }
        const auto full = kl_penalty(log_softmax_full(tensor(c.at("logits"))), log_softmax_full(tensor(c.at("ref_logits"))),
                                     KlEstimator::Full);
        expect_close(full, tensor(c.at("full")), name + " full");
        EXPECT_GE(kl_penalty(lp, ref, KlEstimator::K3).min().item<double>(), 0.0) << name;
        EXPECT_GE(full.min().item<double>(), -tolerance(full)) << name;  // an exact KL is >= 0
    }
}

TEST(PpoMath, K3IsNeverNegative) {
    const auto & e = fixture().at("k3_extremes");
    const auto lp = tensor(e.at("logprob"));
    const auto ref = tensor(e.at("ref_logprob"));
    const auto k3 = kl_penalty(lp, ref, KlEstimator::K3);
    // relative tolerance: the large gaps give k3 up to e^30
    const auto want = tensor(e.at("k3"));
    EXPECT_LE(((k3 - want).abs() / want.abs().clamp_min(1.0)).max().item<double>(), 1e-12);
    EXPECT_GE(k3.min().item<double>(), 0.0);
    EXPECT_GE(kl_penalty(lp.to(torch::kFloat), ref.to(torch::kFloat), KlEstimator::K3).min().item<double>(), 0.0);

    // Random gaps at every scale, both dtypes: never negative, never NaN.
    torch::manual_seed(7);
    for (auto dtype : {torch::kFloat, torch::kDouble}) {
        const auto scale = torch::pow(10.0, torch::empty({64, 64}, torch::dtype(torch::kDouble)).uniform_(-12, 1));
        const auto gap = (scale * torch::randn({64, 64}, torch::dtype(torch::kDouble))).to(dtype);
        const auto base = (-torch::rand({64, 64}, torch::dtype(torch::kDouble)) * 12).to(dtype);
        const auto k = kl_penalty(base, base + gap, KlEstimator::K3);
        EXPECT_GE(k.min().item<double>(), 0.0);
        EXPECT_FALSE(k.isnan().any().item<bool>());
    }
}

TEST(PpoMath, RewardsAndAdvantagesMatchTrl) {
    ASSERT_FALSE(fixture().at("rewards").empty()) << "fixture array rewards is empty";
    for (const auto & c : fixture().at("rewards")) {
        const std::string name = c.at("name");
        const auto & s = c.at("settings");
        const auto est = estimator(s.at("kl_penalty"));
        const auto mask = tensor(c.at("mask"));
        const auto labels = tensor(c.at("labels"));
        const auto logits = tensor(c.at("logits"));
        const auto ref_logits = tensor(c.at("ref_logits"));
        const auto scores = tensor(c.at("scores"));

        const auto lp = logprobs_from_logits(logits, labels);
        const auto ref = logprobs_from_logits(ref_logits, labels);
        expect_close(lp, tensor(c.at("logprob")), name + " logprob");
        const auto r = est == KlEstimator::Full
                           ? compute_rewards(scores, log_softmax_full(logits), log_softmax_full(ref_logits), mask,
                                             s.at("kl_coef"), est)
                           : compute_rewards(scores, lp, ref, mask, s.at("kl_coef"), est);
        EXPECT_TRUE(torch::equal(r.score_index, tensor(c.at("last_index")))) << name;
        expect_close(r.kls, tensor(c.at("kls")), name + " kls");
        expect_close(r.non_score_rewards, tensor(c.at("non_score_rewards")), name + " non_score_rewards");
        expect_close(r.rewards, tensor(c.at("rewards")), name + " rewards");

        // The score sits on the last real token of each row and nowhere else.
        const auto score_part = r.rewards - r.non_score_rewards;
        for (int64_t b = 0; b < mask.size(0); ++b) {
            const int64_t last = r.score_index[b].item<int64_t>();
            EXPECT_EQ(mask[b][last].item<int64_t>(), 1) << name;
            EXPECT_EQ(mask[b].slice(0, last + 1).sum().item<int64_t>(), 0) << name;
            EXPECT_NEAR(score_part[b][last].item<double>(), scores[b].item<double>(), 1e-6) << name;
            EXPECT_NEAR(score_part[b].abs().sum().item<double>(), std::abs(scores[b].item<double>()), 1e-5) << name;
        }

        const auto a = compute_advantages(tensor(c.at("values_in")), r.rewards, mask, s.at("gamma"), s.at("lam"),
                                          s.at("whiten_rewards"));
        expect_close(a.values, tensor(c.at("values")), name + " values");
        expect_close(a.advantages, tensor(c.at("advantages")), name + " advantages");
        expect_close(a.returns, tensor(c.at("returns")), name + " returns");
        EXPECT_FALSE(a.advantages.requires_grad());
        // whitened over the mask: mean 0, unbiased variance 1
        EXPECT_NEAR(masked_mean(a.advantages, mask).item<double>(), 0.0, 1e-5) << name;
        if (mask.sum().item<int64_t>() > 1) EXPECT_NEAR(masked_var(a.advantages, mask).item<double>(), 1.0, 1e-4) << name;
    }
}

TEST(PpoMath, LossAndStatsMatchTrl) {
    int skipped_cases = 0;
    ASSERT_FALSE(fixture().at("loss").empty()) << "fixture array loss is empty";
    for (const auto & c : fixture().at("loss")) {
        const std::string name = std::string(c.at("name")) + " ratio_shift " + c.at("settings").at("ratio_shift").dump();
        const auto & s = c.at("settings");
        PpoLossInputs in;
        in.old_logprobs = tensor(c.at("old_logprobs"));
        in.values = tensor(c.at("values"));
        in.logits = tensor(c.at("logits"));
        in.vpreds = tensor(c.at("vpreds")).requires_grad_(true);
        in.logprobs = tensor(c.at("logprobs")).requires_grad_(true);
        in.mask = tensor(c.at("mask"));
        in.advantages = tensor(c.at("advantages"));
        in.returns = tensor(c.at("returns"));
        PpoLossOptions opt{s.at("cliprange"), s.at("cliprange_value"), s.at("vf_coef"), s.at("ratio_threshold")};
        const double tol = tolerance(in.values);

        const auto out = ppo_loss(in, opt);
        EXPECT_EQ(out.skipped, c.at("skipped").get<bool>()) << name;
        skipped_cases += out.skipped;
        expect_close(out.avg_ratio, c.at("avg_ratio"), tol, name + " avg_ratio");
        expect_close(out.pg_loss.item<double>(), c.at("pg_loss"), tol, name + " pg_loss");
        expect_close(opt.vf_coef * out.vf_loss.item<double>(), c.at("vf_loss_weighted"), tol, name + " vf_coef * vf_loss");
        expect_close(out.total.item<double>(), c.at("stats").at("loss/total"), tol, name + " total");
        ASSERT_FALSE(c.at("stats").empty()) << name << ": no reference stats";
        for (const auto & [key, value] : c.at("stats").items()) {
            ASSERT_TRUE(out.stats.count(key)) << name << " misses " << key;
            expect_close(out.stats.at(key), value.get<double>(), tol, name + " " + key);
        }
        EXPECT_EQ(out.stats.at("policy/skipped"), out.skipped ? 1.0 : 0.0);

        // Gradients flow to the current log-probs and values, and not at all when skipped.
        out.total.backward();
        const double grad = in.logprobs.grad().abs().sum().item<double>() + in.vpreds.grad().abs().sum().item<double>();
        if (out.skipped) {
            EXPECT_EQ(grad, 0.0) << name;
        } else {
            EXPECT_GT(grad, 0.0) << name;
            // and only inside the mask
            const auto outside = (in.mask == 0);
            EXPECT_EQ(in.logprobs.grad().masked_select(outside).abs().sum().item<double>(), 0.0) << name;
        }
    }
    EXPECT_GT(skipped_cases, 0);  // the fixture covers the ratio threshold
}

TEST(PpoMath, StepStatsMatchTrl) {
    ASSERT_FALSE(fixture().at("step_stats").empty()) << "fixture array step_stats is empty";
    for (const auto & c : fixture().at("step_stats")) {
        const std::string name = c.at("name");
        StepStatsInputs in;
        in.kls = tensor(c.at("kls"));
        in.logprobs = tensor(c.at("logprobs"));
        in.mask = tensor(c.at("mask"));
        in.non_score_rewards = tensor(c.at("non_score_rewards"));
        in.scores = tensor(c.at("scores"));
        in.query_lens = c.at("query_lens").get<std::vector<int64_t>>();
        in.response_lens = c.at("response_lens").get<std::vector<int64_t>>();
        in.kl_coef = c.at("kl_coef");
        for (const auto & mb : c.at("minibatch_stats")) in.minibatch_stats.push_back(mb.get<Stats>());
        const double tol = tolerance(in.kls);
        const auto stats = step_stats(in);
        ASSERT_FALSE(c.at("stats").empty()) << name << ": no reference stats";
        for (const auto & [key, value] : c.at("stats").items()) {
            ASSERT_TRUE(stats.count(key)) << name << " misses " << key;
            // relative for the larger sums (objective/entropy, var_explained with small variances)
            const double ref = value.get<double>();
            expect_close(stats.at(key), ref, tol * std::max(1.0, std::abs(ref)), name + " " + key);
        }
        // objective/kl is exactly what the rewards penalised: mean over rows of the summed masked KL
        const auto m = in.mask.to(in.kls.scalar_type());
        EXPECT_NEAR(stats.at("objective/kl"), (in.kls * m).sum(1).mean().item<double>(), 1e-12);
    }
}

TEST(PpoMath, KlControllersMatchTrl) {
    ASSERT_FALSE(fixture().at("kl_controller").empty()) << "fixture array kl_controller is empty";
    for (const auto & run : fixture().at("kl_controller")) {
        AdaptiveKlController adaptive(run.at("init"), run.at("target"), run.at("horizon"));
        FixedKlController fixed(run.at("init"));
        const auto currents = run.at("currents").get<std::vector<double>>();
        const auto values = run.at("values").get<std::vector<double>>();
        const auto fixed_values = run.at("fixed_values").get<std::vector<double>>();
        const int64_t n_steps = run.at("n_steps");
        for (size_t i = 0; i < currents.size(); ++i) {
            adaptive.update(currents[i], n_steps);
            fixed.update(currents[i], n_steps);
            EXPECT_NEAR(adaptive.value(), values[i], 1e-15) << "step " << i;
            EXPECT_EQ(fixed.value(), fixed_values[i]) << "step " << i;
        }
    }
    PpoConfig cfg;
    auto ctl = make_kl_controller(cfg);
    EXPECT_EQ(ctl->value(), 0.2);
    ctl->update(100.0, 4);  // error clipped to +0.2: 0.2 * (1 + 0.2 * 4 / 10000)
    EXPECT_DOUBLE_EQ(ctl->value(), 0.2 * (1 + 0.2 * 4 / 10000.0));
    cfg.adaptive_kl = false;
    ctl = make_kl_controller(cfg);
    ctl->update(100.0, 4);
    EXPECT_EQ(ctl->value(), 0.2);
}

TEST(PpoMath, ConfigDefaultsAreTheSpecs) {
    const PpoConfig c;
    EXPECT_EQ(c.learning_rate, 1.41e-5);
    EXPECT_EQ(c.batch_size, 4);
    EXPECT_EQ(c.mini_batch_size, 4);
    EXPECT_EQ(c.ppo_epochs, 4);
    EXPECT_EQ(c.steps, 250);
    EXPECT_TRUE(c.adaptive_kl);
    EXPECT_EQ(c.init_kl_coef, 0.2);
    EXPECT_EQ(c.kl_target, 6.0);
    EXPECT_EQ(c.kl_horizon, 10000.0);
    EXPECT_EQ(c.kl_estimator, KlEstimator::K1);
    EXPECT_EQ(c.gamma, 1.0);
    EXPECT_EQ(c.lam, 0.95);
    EXPECT_EQ(c.cliprange, 0.2);
    EXPECT_EQ(c.cliprange_value, 0.2);
    EXPECT_EQ(c.vf_coef, 0.1);
    EXPECT_EQ(c.ratio_threshold, 10.0);
    EXPECT_FALSE(c.whiten_rewards);
    EXPECT_EQ(c.max_new_tokens, 128);
    EXPECT_EQ(c.query_max_tokens, 512);
    EXPECT_EQ(c.top_k, 0);
    EXPECT_EQ(c.top_p, 1.0);
    // ours, not the reference's
    EXPECT_FALSE(c.dropout_in_rollout);
    EXPECT_FALSE(c.dropout_in_ppo);
    EXPECT_FALSE(c.pad_is_eos);
    EXPECT_FALSE(c.pad_queries_to_max);
    EXPECT_FALSE(c.score_on_padded_end);
    EXPECT_FALSE(c.step_optimizer_on_skipped_minibatch);

    const auto lo = loss_options(c);
    EXPECT_EQ(lo.cliprange, 0.2);
    EXPECT_EQ(lo.vf_coef, 0.1);
    for (auto e : {KlEstimator::K1, KlEstimator::Abs, KlEstimator::Mse, KlEstimator::Full, KlEstimator::K3}) {
        EXPECT_EQ(parse_kl_estimator(kl_estimator_name(e)), e);
    }
    EXPECT_EQ(parse_kl_estimator("k1"), KlEstimator::K1);
    EXPECT_EQ(parse_kl_estimator("k2"), KlEstimator::Mse);
    EXPECT_FALSE(parse_kl_estimator("kl3").has_value());
}

TEST(PpoMath, EdgeCases) {
    const auto opts = torch::dtype(torch::kDouble);
    // empty mask: TRL raises; so do we
    EXPECT_THROW(masked_var(torch::ones({2, 3}, opts), torch::zeros({2, 3}, torch::kLong)), std::invalid_argument);
    // one masked token: TRL gives NaN (n / (n - 1) = inf); we give the biased variance 0 and finite advantages
    auto one = torch::zeros({2, 3}, torch::kLong);
    one[1][2] = 1;
    const auto x = torch::randn({2, 3}, opts);
    EXPECT_EQ(masked_var(x, one).item<double>(), 0.0);
    EXPECT_FALSE(masked_whiten(x, one).isnan().any().item<bool>());
    // a row without a response token has no last real token
    EXPECT_THROW(last_true_index(one), std::invalid_argument);

    // The score goes on the last real token, not the padded end; score_index overrides
    // (PpoConfig::score_on_padded_end: the trainer passes the last column).
    auto mask = torch::tensor({1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 1, 1, 0, 0}, torch::kLong).reshape({3, 5});
    const auto scores = torch::tensor({1.0, 2.0, 3.0}, opts);
    const auto zeros = torch::zeros({3, 5}, opts);
    auto r = compute_rewards(scores, zeros, zeros, mask, 0.2, KlEstimator::K1);
    EXPECT_TRUE(torch::equal(r.score_index, torch::tensor({2, 4, 2}, torch::kLong)));
    EXPECT_EQ(r.rewards[0][2].item<double>(), 1.0);
    EXPECT_EQ(r.rewards[1][4].item<double>(), 2.0);
    EXPECT_EQ(r.rewards[2][2].item<double>(), 3.0);
    EXPECT_EQ(r.rewards.sum().item<double>(), 6.0);
    r = compute_rewards(scores, zeros, zeros, mask, 0.2, KlEstimator::K1, torch::full({3}, 4, torch::kLong));
    EXPECT_EQ(r.rewards.select(1, 4).sum().item<double>(), 6.0);

    // GAE with gamma = lambda = 1 and zero values: every response token's raw
    // advantage (= return) is the sum of the rewards from there to the end.
    const auto ret = compute_advantages(zeros, compute_rewards(scores, zeros, zeros, mask, 0.2, KlEstimator::K1).rewards,
                                        mask, 1.0, 1.0)
                         .returns;
    EXPECT_EQ(ret[1][1].item<double>(), 2.0);  // left-padded row: score 2 at the end
    EXPECT_EQ(ret[0][0].item<double>(), 1.0);
    EXPECT_EQ(ret[0][3].item<double>(), 0.0);  // right padding after the response contributes nothing

    // Full needs the vocabulary axis
    EXPECT_THROW(kl_penalty(zeros, zeros, KlEstimator::Full), std::invalid_argument);
}
