// The public PPO face (include/ragppo/rl.h) as a program uses it: a short run on
// the tiny GPT-2 summariser and real CNN/DailyMail articles, a callback per step,
// resume, and the checks made before anything is written.
#include "gpt2_fixtures.h"
#include "ragppo/rl.h"
#include "support/files.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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
    // The run's own data and settings come from its checkpoint, not from these.
    p.ppo.dataset = "/no/such/articles.csv";
    p.limit = 0;
    p.ppo.batch_size = 4;
    seen.clear();
    const PpoResult more = ppo_run(p, [&](const PpoStep & s) { seen.push_back(s); });
    EXPECT_EQ(more.first_step, 2);
    EXPECT_EQ(more.steps_done, 3);
    EXPECT_EQ(more.train_articles, 10u);
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

TEST(PpoApi, ResumeRefusesAChosenSettingThatContradictsTheRunNamingIt) {
    const std::string out = test::make_temp_dir("ragppo_ppo_api_chosen_") + "/run";
    PpoParams p = tiny_run(out);
    p.export_model = false;
    ppo_run(p);
    const auto stats_before = lines_of(fs::path(out) / "stats.jsonl");

    p.resume = true;
    p.ppo.learning_rate = 0.5;
    p.chosen = {"learning_rate"};
    p.setting_names = {{"learning_rate", "lr="}};
    try {
        ppo_run(p);
        FAIL() << "a contradicting chosen setting was accepted";
    } catch (const Error & e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("lr= contradicts the resumed run (learning_rate 0.5"), std::string::npos) << msg;
        EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    }
    EXPECT_EQ(lines_of(fs::path(out) / "stats.jsonl"), stats_before);

    // Chosen but equal to the run's: accepted; steps may grow.
    p.ppo.learning_rate = PpoConfig{}.learning_rate;
    p.ppo.steps = 3;
    p.chosen = {"learning_rate", "steps", "limit"};
    p.limit = 12;
    const PpoResult r = ppo_run(p);
    EXPECT_EQ(r.first_step, 2);
    EXPECT_EQ(r.steps_done, 3);
}

TEST(PpoApi, LoraSettingsWithoutARankAreRefusedByTheirNames) {
    const std::string root = test::make_temp_dir("ragppo_ppo_api_lora_");
    PpoParams p = tiny_run(root + "/run");
    p.chosen = {"lora_alpha"};
    p.setting_names = {{"lora_alpha", "--lora-alpha"}, {"lora_r", "--lora-r"}};
    try {
        ppo_run(p);
        FAIL() << "lora_alpha without a rank was accepted";
    } catch (const Error & e) {
        EXPECT_STREQ(e.what(), "--lora-alpha applies to LoRA adapters: add --lora-r R");
    }
    p.chosen.clear();
    p.ppo.lora.r = 2;
    p.merge_lora = true;
    p.export_model = false;
    EXPECT_THROW(ppo_run(p), Error);
    EXPECT_FALSE(fs::exists(root + "/run/stats.jsonl"));
}

TEST(PpoApi, BatchSizeRefusalsNameTheSettingsAsTheCallerDoes) {
    const std::string root = test::make_temp_dir("ragppo_ppo_api_batch_");
    PpoParams p = tiny_run(root + "/run");
    p.ppo.batch_size = 8;
    p.ppo.mini_batch_size = 3;
    const auto refusal = [&] {
        try {
            ppo_run(p);
        } catch (const Error & e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_EQ(refusal(), "batch_size 8 must be a multiple of mini_batch_size 3");  // a C++ or Python caller's names
    p.setting_names = {{"batch_size", "--batch-size"}, {"mini_batch_size", "--mini-batch-size"}};
    EXPECT_EQ(refusal(), "--batch-size 8 must be a multiple of --mini-batch-size 3");
    p.ppo.mini_batch_size = 2;
    p.ranks.world_size = 4;  // every rank's share of a mini-batch must be whole; refused before any rendezvous
    p.ranks.rank = 1;
    EXPECT_EQ(refusal().rfind("--batch-size 8 and --mini-batch-size 2 must each be a multiple of the 4 ranks", 0), 0u)
        << refusal();
    EXPECT_FALSE(fs::exists(root + "/run/stats.jsonl"));
}

TEST(PpoApi, CheckpointsOfARunVerifyAndACorruptOneIsNamed) {
    const std::string out = test::make_temp_dir("ragppo_ppo_api_verify_") + "/run";
    PpoParams p = tiny_run(out);
    p.export_model = false;
    p.save_every = 1;
    ppo_run(p);
    EXPECT_TRUE(ppo_is_run(out));
    EXPECT_FALSE(ppo_is_checkpoint(out));
    const std::vector<std::string> steps = ppo_run_checkpoints(out);
    ASSERT_EQ(steps.size(), 2u);
    EXPECT_LT(steps[0], steps[1]);  // oldest first
    EXPECT_TRUE(ppo_is_checkpoint(steps[1]));
    const CheckpointCheck check = ppo_checkpoint_verify(steps[1]);
    EXPECT_EQ(check.step, 2);
    EXPECT_GT(check.bytes, 0u);

    const fs::path policy = fs::path(steps[0]) / "policy.pt";
    std::fstream f(policy, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(policy) / 2));
    f.put('\x5a');
    f.close();
    try {
        ppo_checkpoint_verify(steps[0]);
        FAIL() << "a corrupt checkpoint verified";
    } catch (const Error & e) {
        EXPECT_NE(std::string(e.what()).find("policy.pt is corrupt"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(ppo_run_checkpoints(test::make_temp_dir("ragppo_ppo_api_empty_")).empty());
}

TEST(PpoApi, SummarizeEvalScoresASliceAndIsReproducible) {
    test::use_one_torch_thread();
    SummarizeEvalParams s;
    s.model = test::fixture("ppo_tiny_lm");
    s.dataset = test::shared_data("cnn_dailymail/cnn_dailymail_validation.csv");
    s.offset = 3;
    s.count = 4;
    s.query_max_tokens = 32;
    s.max_new_tokens = 6;
    s.batch_size = 2;
    s.seed = 7;
    s.hub.offline = true;
    std::vector<std::pair<size_t, size_t>> progress;
    const SummarizeEvalResult r = summarize_eval(s, [&](size_t done, size_t total) { progress.emplace_back(done, total); });
    EXPECT_EQ(r.first_row, 3u);
    EXPECT_EQ(r.rows, 4u);
    ASSERT_FALSE(progress.empty());
    EXPECT_EQ(progress.back(), std::make_pair(size_t{4}, size_t{4}));
    EXPECT_GE(r.rouge1, 0.0);
    EXPECT_LE(r.rouge1, 1.0);
    const auto j = nlohmann::json::parse(r.json);
    EXPECT_EQ(j.at("items").size(), 4u);
    EXPECT_EQ(j.at("offset"), 3);
    EXPECT_DOUBLE_EQ(j.at("rouge1").get<double>(), r.rouge1);
    EXPECT_EQ(summarize_eval(s).json.substr(0, 200), r.json.substr(0, 200));  // same seed, same summaries

    s.offset = 100000;
    EXPECT_THROW(summarize_eval(s), Error);
}
