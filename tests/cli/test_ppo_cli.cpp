// `ragppo ppo` and `ragppo summarize-eval` as a user runs them: a short run on
// the tiny summariser writes its stats, curves, evaluation, checkpoints and an
// HF export that summarize-eval reads back; --resume continues it; bad input
// (missing columns, empty articles, a model of another architecture) is a
// one-line error.
#include "support/files.h"
#include "support/paths.h"
#include "support/process.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

using ragppo::test::ragppo_cmd;
using ragppo::test::run_command;
using ragppo::test::shell_quote;
namespace fs = std::filesystem;

namespace {

int count_lines(const std::string & s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

std::string tiny_model() { return shell_quote(ragppo::test::fixture("ppo_tiny_lm")); }
std::string cnn_validation() { return shell_quote(ragppo::test::shared_data("cnn_dailymail/cnn_dailymail_validation.csv")); }

// Small enough to run in seconds.
std::string small_ppo(const std::string & out, int steps = 2) {
    return "ppo --offline -m " + tiny_model() + " -d " + cnn_validation() +
           " --limit 12 --eval-samples 2 --steps " + std::to_string(steps) + " --batch-size 2 --mini-batch-size 1 --ppo-epochs 1"
           " --query-max-tokens 24 -n 6 --save-every 1 -t 1 -o " + shell_quote(out);
}

size_t lines_in(const fs::path & p) {
    std::ifstream in(p);
    size_t n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n;
}

}  // namespace

TEST(PpoCli, HelpShowsTheReferenceDefaults) {
    const auto r = run_command(ragppo_cmd("ppo --help"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    for (const char * s : {"gavin124/gpt2-finetuned-cnn-summarization-v2", "abisee/cnn_dailymail", "1.0.0", "validation",
                           "1.41e-05", "--resume", "--reference"})
        EXPECT_NE(r.out.find(s), std::string::npos) << s;
    EXPECT_EQ(run_command(ragppo_cmd("summarize-eval --help")).exit_code, 0);
}

TEST(PpoCli, ShortRunWritesEverythingAndResumes) {
    const std::string out = ragppo::test::make_temp_dir("ppo_cli_") + "/run";
    const auto r = run_command(ragppo_cmd(small_ppo(out)));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(lines_in(fs::path(out) / "stats.jsonl"), 2u);
    for (const char * f : {"config.json", "samples.jsonl", "training.svg", "eval.json", "checkpoints/latest",
                           "model/config.json", "model/model.safetensors", "model/tokenizer.json"})
        EXPECT_TRUE(fs::exists(fs::path(out) / f)) << f;
    std::ifstream stats(fs::path(out) / "stats.jsonl");
    std::string first;
    std::getline(stats, first);
    const auto j = nlohmann::json::parse(first);
    for (const char * k : {"objective/kl", "objective/kl_coef", "ppo/mean_scores", "ppo/loss/total", "ppo/policy/skipped",
                           "time/rollout/generate", "time/ppo/optimize_step", "env/reward_mean"})
        EXPECT_TRUE(j.contains(k)) << k;
    const auto eval = nlohmann::json::parse(std::ifstream(fs::path(out) / "eval.json"));
    EXPECT_TRUE(eval.contains("before") && eval.contains("after"));

    // The exported model is a checkpoint summarize-eval can read.
    const std::string json = out + "/eval-export.json";
    const auto e = run_command(ragppo_cmd("summarize-eval --offline -m " + shell_quote(out + "/model") + " -d " +
                                          cnn_validation() + " --count 2 --query-max-tokens 24 -n 6 -t 1 -o " +
                                          shell_quote(json)));
    ASSERT_EQ(e.exit_code, 0) << e.err;
    EXPECT_NE(e.out.find("ROUGE-1"), std::string::npos) << e.out;
    EXPECT_EQ(nlohmann::json::parse(std::ifstream(json))["n"], 2);

    const auto again = run_command(ragppo_cmd(small_ppo(out, 3) + " --resume"));
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_NE(again.out.find("resuming from"), std::string::npos) << again.out;
    EXPECT_EQ(lines_in(fs::path(out) / "stats.jsonl"), 3u);
}

// --bf16 is a setting of the run: recorded, kept on --resume, and a resume that
// contradicts it is refused before anything is touched.
TEST(PpoCli, Bf16RunIsRecordedAndResumedInBf16) {
    const std::string out = ragppo::test::make_temp_dir("ppo_cli_bf16_") + "/run";
    const auto r = run_command(ragppo_cmd(small_ppo(out) + " --bf16 --no-export"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto config = nlohmann::json::parse(std::ifstream(fs::path(out) / "config.json"));
    ASSERT_TRUE(config.contains("ppo")) << config.dump();
    EXPECT_EQ(config["ppo"].value("bf16", false), true) << config.dump();
    const auto again = run_command(ragppo_cmd(small_ppo(out, 3) + " --no-export --resume"));
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(lines_in(fs::path(out) / "stats.jsonl"), 3u);
    EXPECT_NE(run_command(ragppo_cmd("ppo --help")).out.find("--bf16"), std::string::npos);

    const std::string fp32 = ragppo::test::make_temp_dir("ppo_cli_fp32_") + "/run";
    ASSERT_EQ(run_command(ragppo_cmd(small_ppo(fp32, 1) + " --no-export")).exit_code, 0);
    const auto refused = run_command(ragppo_cmd(small_ppo(fp32, 2) + " --no-export --resume --bf16"));
    EXPECT_NE(refused.exit_code, 0);
    EXPECT_NE(refused.err.find("--bf16 contradicts"), std::string::npos) << refused.err;
    EXPECT_EQ(count_lines(refused.err), 1) << refused.err;
    EXPECT_EQ(lines_in(fs::path(fp32) / "stats.jsonl"), 1u);  // untouched
}

TEST(PpoCli, MissingColumnsIsAOneLineError) {
    const std::string dir = ragppo::test::make_temp_dir("ppo_cli_cols_");
    ragppo::test::write_file(dir + "/news.csv", "text,summary\n\"An article.\",\"A summary.\"\n");
    const auto r = run_command(ragppo_cmd("ppo --offline -m " + tiny_model() + " -d " + dir + "/news.csv -o " + dir + "/run"));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("no column 'article'"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir + "/run"));
}

TEST(PpoCli, EmptyArticlesAreSkippedAndAllEmptyIsAnError) {
    const std::string dir = ragppo::test::make_temp_dir("ppo_cli_empty_");
    ragppo::test::write_file(dir + "/all-empty.csv", "article,highlights,id\n\"\",\"x\",1\n\"  \",\"y\",2\n");
    const auto r = run_command(ragppo_cmd("summarize-eval --offline -m " + tiny_model() + " -d " + dir + "/all-empty.csv"));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("no usable rows"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("empty article"), std::string::npos) << r.err;

    ragppo::test::write_file(dir + "/some.csv",
                             "article,highlights,id\n\"\",\"x\",1\n\"The mayor opened a bridge.\",\"Mayor opens bridge.\",2\n");
    const auto ok = run_command(ragppo_cmd("summarize-eval --offline -m " + tiny_model() + " -d " + dir +
                                           "/some.csv --query-max-tokens 16 -n 4 -t 1"));
    EXPECT_EQ(ok.exit_code, 0) << ok.err;
    EXPECT_NE(ok.err.find("1 skipped"), std::string::npos) << ok.err;
    EXPECT_NE(ok.err.find("row 1: empty article"), std::string::npos) << ok.err;
}

TEST(PpoCli, ModelOfAnotherArchitectureIsAOneLineError) {
    const std::string dir = ragppo::test::make_temp_dir("ppo_cli_arch_");
    const auto r = run_command(ragppo_cmd("ppo --offline -m " + shell_quote(ragppo::test::fixture("bert_tiny")) + " -d " +
                                          cnn_validation() + " -o " + dir + "/run"));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("GPT-2"), std::string::npos) << r.err;
}

TEST(PpoCli, DefaultHubModelOfflineWithoutCacheIsAOneLineError) {
    const std::string dir = ragppo::test::make_temp_dir("ppo_cli_hub_");
    const auto r = run_command("HF_HUB_CACHE=" + dir + "/hub " + ragppo_cmd("ppo --offline -d " + cnn_validation() + " -o " + dir + "/run"));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("gavin124/gpt2-finetuned-cnn-summarization-v2"), std::string::npos) << r.err;
}
