// One full PPO step, ours against TRL 0.11.4's PPOTrainer.step on the same
// tiny model, rollouts and scores (scripts/fixtures/fx_ppo_trl.py): every
// scalar statistic TRL logs, the KL coefficient after the step and the policy's
// log-probs after the four Adam steps, within 1e-4.
#include "gpt2_fixtures.h"
#include "rl/gpt2_load.h"
#include "rl/ppo_batch.h"
#include "rl/ppo_trainer.h"

#include <gtest/gtest.h>

using namespace ragppo;
using namespace ragppo::rl;

namespace {

std::vector<std::vector<int32_t>> id_lists(const nlohmann::json & j) {
    std::vector<std::vector<int32_t>> out;
    for (const auto & row : j) out.push_back(row.get<std::vector<int32_t>>());
    return out;
}

}  // namespace

TEST(PpoTrlParity, OneStepMatchesTrl) {
    test::use_one_torch_thread();
    std::ifstream in(test::fixture("ppo_trl_step.json"));
    ASSERT_TRUE(in) << "fixture missing";
    const auto fx = nlohmann::json::parse(in);

    auto policy = load_gpt2_policy(test::fixture(fx["model_dir"].get<std::string>()));
    auto ref = frozen_copy(*policy);
    PpoConfig cfg;
    cfg.batch_size = 4;
    cfg.mini_batch_size = 4;
    cfg.ppo_epochs = 4;
    cfg.learning_rate = fx["learning_rate"].get<double>();
    PpoTrainer trainer(policy, ref, cfg, /*pad_id=*/0);

    const auto queries = id_lists(fx["queries"]);
    const auto responses = id_lists(fx["responses"]);
    const auto stats = trainer.step(queries, responses, fx["scores"].get<std::vector<double>>());

    int compared = 0;
    for (const auto & [key, value] : fx["stats"].items()) {
        if (key == "ppo/learning_rate") continue;  // TRL logs it as float32
        ASSERT_TRUE(stats.count(key)) << "we do not log " << key;
        EXPECT_NEAR(stats.at(key), value.get<double>(), 1e-4 * std::max(1.0, std::abs(value.get<double>()))) << key;
        ++compared;
    }
    EXPECT_GE(compared, 20);
    EXPECT_NEAR(trainer.kl_controller().value(), fx["kl_coef_after"].get<double>(), 1e-7);

    // The updated policy: log-probs of each response under it.
    torch::NoGradGuard no_grad;
    const auto batch = make_ppo_batch(queries, responses, 0, torch::kCPU);
    const auto fwd = forward_responses(trainer.policy(), batch, false);
    const auto & expected = fx["post_step_logprobs"];
    double max_diff = 0;
    for (size_t i = 0; i < responses.size(); ++i)
        for (size_t t = 0; t < responses[i].size(); ++t)
            max_diff = std::max(max_diff, std::abs(fwd.logprobs[i][t].item<double>() - expected[i][t].get<double>()));
    EXPECT_LT(max_diff, 1e-4);
    // The update must be visible at that tolerance, or the check above proves nothing.
    auto fresh = load_gpt2_policy(test::fixture(fx["model_dir"].get<std::string>()));
    const auto before = forward_responses(*fresh, batch, false).logprobs;
    EXPECT_GT((before - fwd.logprobs).abs().max().item<double>(), 1e-2);
}
