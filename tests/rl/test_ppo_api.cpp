// The public PPO face (include/ragppo/rl.h) as a program uses it: a short run on
// the tiny GPT-2 summariser and real CNN/DailyMail articles, a callback per step,
// resume, and the checks made before anything is written.
#include "gpt2_fixtures.h"
#include "ragppo/rl.h"
#include "support/files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace ragppo;
namespace fs = std::filesystem;

namespace {

PpoParams tiny_run(const std::string & out) {
    test::use_one_torch_thread();
    PpoParams p;
    p.ppo.policy_model = test::fixture("ppo_tiny_lm");
    p.ppo.dataset = test::shared_data("cnn_dailymail/cnn_dailymail_validation.csv");
    p.ppo.steps = 2;
    p.ppo.batch_size = 2;
    p.ppo.mini_batch_size = 2;
    p.ppo.ppo_epochs = 1;
    p.ppo.query_max_tokens = 32;
    p.ppo.max_new_tokens = 6;
    p.ppo.seed = 5;
    p.limit = 12;
    p.eval_samples = 2;
    p.out_dir = out;
    p.plots = false;
    p.hub.offline = true;
    return p;
}

size_t lines_of(const fs::path & path) {
    std::ifstream in(path);
    size_t n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n;
}

}  // namespace

TEST(PpoApi, RunsCallsBackEachStepAndResumes) {
    const std::string out = test::make_temp_dir("ragppo_ppo_api_") + "/run";
    PpoParams p = tiny_run(out);
    std::vector<PpoStep> seen;
    const PpoResult r = ppo_run(p, [&](const PpoStep & s) { seen.push_back(s); });
    EXPECT_EQ(r.steps_done, 2);
    EXPECT_EQ(r.first_step, 0);
    EXPECT_EQ(r.train_articles, 10u);
    EXPECT_EQ(r.eval_articles, 2u);
    EXPECT_GE(r.eval_before, 0);
    EXPECT_GE(r.eval_after, 0);
    ASSERT_EQ(seen.size(), 2u);
    ASSERT_EQ(r.step_rewards.size(), 2u);
    for (size_t i = 0; i < seen.size(); ++i) {
        EXPECT_EQ(seen[i].step, static_cast<int64_t>(i));
        EXPECT_EQ(seen[i].steps, 2);
        ASSERT_TRUE(seen[i].stats.count("env/reward_mean"));
        EXPECT_DOUBLE_EQ(seen[i].stats.at("env/reward_mean"), r.step_rewards[i]);
        EXPECT_TRUE(seen[i].stats.count("objective/kl"));
        EXPECT_TRUE(seen[i].stats.count("ppo/loss/total"));
    }
    EXPECT_EQ(lines_of(fs::path(out) / "stats.jsonl"), 2u);
    EXPECT_TRUE(fs::exists(fs::path(out) / "model" / "config.json"));

    // A fresh run over it is refused; resume with more steps continues at step 2.
    EXPECT_THROW(ppo_run(p), Error);
    p.resume = true;
    p.ppo.steps = 3;
    seen.clear();
    const PpoResult more = ppo_run(p, [&](const PpoStep & s) { seen.push_back(s); });
    EXPECT_EQ(more.first_step, 2);
    EXPECT_EQ(more.steps_done, 3);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].step, 2);
    EXPECT_EQ(lines_of(fs::path(out) / "stats.jsonl"), 3u);
}

TEST(PpoApi, AnExceptionFromTheCallbackStopsTheRunAfterThatStep) {
    const std::string out = test::make_temp_dir("ragppo_ppo_api_stop_") + "/run";
    PpoParams p = tiny_run(out);
    p.ppo.steps = 4;
    p.save_every = 1;
    p.export_model = false;
    int calls = 0;
    EXPECT_THROW(ppo_run(p, [&](const PpoStep &) {
        if (++calls == 2) throw std::runtime_error("stop here");
    }), std::runtime_error);
    EXPECT_EQ(calls, 2);
    EXPECT_EQ(lines_of(fs::path(out) / "stats.jsonl"), 2u);
    EXPECT_FALSE(fs::exists(fs::path(out) / "model"));
    // The checkpoint of step 2 is there: a resume continues from it.
    p.resume = true;
    const PpoResult r = ppo_run(p);
    EXPECT_EQ(r.first_step, 2);
    EXPECT_EQ(r.steps_done, 4);
}

TEST(PpoApi, BadSettingsAreRefusedBeforeAnythingIsWritten) {
    const std::string root = test::make_temp_dir("ragppo_ppo_api_bad_");
    PpoParams p = tiny_run(root + "/run");
    p.ppo.batch_size = 3;
    EXPECT_THROW(ppo_run(p), Error);
    p = tiny_run(root + "/run");
    p.ppo.dataset = root + "/missing.csv";
    EXPECT_THROW(ppo_run(p), Error);
    p = tiny_run(root + "/run");
    p.merge_lora = true;  // without LoRA
    EXPECT_THROW(ppo_run(p), Error);
    p = tiny_run(root + "/run");
    p.ppo.lora.r = 4;
    p.ppo.lora.targets = {"no_such_module"};
    EXPECT_THROW(ppo_run(p), Error);
    EXPECT_FALSE(fs::exists(root + "/run/stats.jsonl"));
}
