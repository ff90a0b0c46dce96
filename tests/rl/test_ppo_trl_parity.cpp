// One full PPO step, ours against TRL 0.11.4's PPOTrainer.step on the same
// tiny model, rollouts and scores (scripts/fixtures/fx_ppo_trl.py): every
// scalar statistic TRL logs, the KL coefficient after the step and the policy's
// log-probs after the four Adam steps, within 1e-4.
#include "gpt2_fixtures.h"
#include "rl/gpt2_load.h"
#include "rl/lora.h"
#include "rl/lora_peft.h"
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

// Every scalar statistic TRL logged, ours within 1e-4 (relative above 1).
void expect_trl_stats(const Stats & stats, const nlohmann::json & trl) {
    int compared = 0;
    for (const auto & [key, value] : trl.items()) {
        if (key == "ppo/learning_rate") continue;  // TRL logs it as float32
        ASSERT_TRUE(stats.count(key)) << "we do not log " << key;
        EXPECT_NEAR(stats.at(key), value.get<double>(), 1e-4 * std::max(1.0, std::abs(value.get<double>()))) << key;
        ++compared;
    }
    EXPECT_GE(compared, 20);
}

// The responses' log-probs under `policy` (no gradient), [B, R].
torch::Tensor response_logprobs(Gpt2PolicyImpl & policy, const PpoBatch & batch) {
    torch::NoGradGuard no_grad;
    return forward_responses(policy, batch, false).logprobs;
}

// The largest difference between log-probs of the responses ([B, R]) and TRL's.
double max_logprob_diff(const torch::Tensor & logprobs, const std::vector<std::vector<int32_t>> & responses,
                        const nlohmann::json & expected) {
    EXPECT_EQ(expected.size(), responses.size());
    double max_diff = 0;
    for (size_t i = 0; i < responses.size(); ++i)
        for (size_t t = 0; t < responses[i].size(); ++t)
            max_diff = std::max(max_diff, std::abs(logprobs[i][t].item<double>() - expected[i][t].get<double>()));
    return max_diff;
}

// The fixtures' PPO settings: batch 4 = mini-batch 4, 4 epochs, TRL's learning rate.
PpoConfig trl_step_config(const nlohmann::json & fx) {
    PpoConfig cfg;
    cfg.batch_size = 4;
    cfg.mini_batch_size = 4;
    cfg.ppo_epochs = 4;
    cfg.learning_rate = fx["learning_rate"].get<double>();
    return cfg;
}

}  // namespace

TEST(PpoTrlParity, OneStepMatchesTrl) {
    test::use_one_torch_thread();
    const auto fx = test::read_fixture_json("ppo_trl_step.json");

    auto policy = load_gpt2_policy(test::fixture(fx["model_dir"].get<std::string>()));
    PpoTrainer trainer(policy, frozen_copy(*policy), trl_step_config(fx), /*pad_id=*/0);

    const auto queries = id_lists(fx["queries"]);
    const auto responses = id_lists(fx["responses"]);
    const auto stats = trainer.step(queries, responses, fx["scores"].get<std::vector<double>>());

    expect_trl_stats(stats, fx["stats"]);
    EXPECT_NEAR(trainer.kl_controller().value(), fx["kl_coef_after"].get<double>(), 1e-7);

    // The updated policy: log-probs of each response under it.
    const auto batch = make_ppo_batch(queries, responses, 0, torch::kCPU);
    const auto after = response_logprobs(trainer.policy(), batch);
    EXPECT_LT(max_logprob_diff(after, responses, fx["post_step_logprobs"]), 1e-4);
    // The update must be visible at that tolerance, or the check above proves nothing.
    auto fresh = load_gpt2_policy(test::fixture(fx["model_dir"].get<std::string>()));
    EXPECT_GT((response_logprobs(*fresh, batch) - after).abs().max().item<double>(), 1e-2);
}

// The same step with a PEFT LoRA policy (scripts/fixtures/fx_ppo_trl_lora.py): TRL
// trains the adapters and the value head, and its reference is the model under
// disable_adapter(); ours holds no reference copy and switches the adapters off.
TEST(PpoTrlParity, OneLoraStepMatchesTrlWithPeft) {
    test::use_one_torch_thread();
    const auto fx = test::read_fixture_json("ppo_trl_lora_step.json");

    auto policy = load_gpt2_policy(test::fixture(fx["base_dir"].get<std::string>()));
    load_peft_adapter(*policy, test::fixture(fx["adapter_dir"].get<std::string>()));
    int64_t trainable = 0;
    for (const auto & p : trainable_parameters(*policy)) trainable += p.numel();
    EXPECT_EQ(trainable, fx["trainable_parameters"].get<int64_t>());  // what TRL's Adam holds
    std::map<std::string, torch::Tensor> frozen_before;
    for (const auto & p : policy->named_parameters())
        if (!p.value().requires_grad()) frozen_before[p.key()] = p.value().clone();

    PpoTrainer trainer(policy, Gpt2Policy{nullptr}, trl_step_config(fx), /*pad_id=*/0);
    EXPECT_EQ(trainer.ref(), nullptr);

    const auto queries = id_lists(fx["queries"]);
    const auto responses = id_lists(fx["responses"]);
    const auto batch = make_ppo_batch(queries, responses, 0, torch::kCPU);
    const auto base_before = [&] {
        LoraAdaptersOff base_only(*policy);
        return response_logprobs(*policy, batch);
    }();
    const auto stats = trainer.step(queries, responses, fx["scores"].get<std::vector<double>>());
    expect_trl_stats(stats, fx["stats"]);
    EXPECT_LT(stats.at("objective/kl"), -0.1);  // policy and reference differ from the start
    EXPECT_NEAR(trainer.kl_controller().value(), fx["kl_coef_after"].get<double>(), 1e-7);

    EXPECT_LT(max_logprob_diff(response_logprobs(*policy, batch), responses, fx["post_step_logprobs"]), 1e-4);
    // Only adapters and value head moved: the base (the reference) is what it was.
    ASSERT_FALSE(frozen_before.empty());
    for (const auto & p : policy->named_parameters())
        if (frozen_before.count(p.key())) EXPECT_TRUE(torch::equal(p.value(), frozen_before.at(p.key()))) << p.key();
    LoraAdaptersOff base_only(*policy);
    EXPECT_TRUE(torch::equal(response_logprobs(*policy, batch), base_before));
}
