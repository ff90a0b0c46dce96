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
#include <cstdio>
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

// `args` with one of its flags given another value.
std::string replaced(std::string args, const std::string & was, const std::string & now) {
    return args.replace(args.find(was), was.size(), now);
}

// Every mini-batch shared by two ranks.
std::string two_ranks(const std::string & args) { return replaced(args, "--mini-batch-size 1", "--mini-batch-size 2"); }

// Runs `script`, which starts rank 0 in the background as $r0 and then harms another
// rank; waits for rank 0 and returns its exit status and the seconds it all took.
struct RankZeroExit {
    bool seen = false;
    int status = -1, seconds = -1;
    std::string output;  // the script's, for failure messages
};
RankZeroExit rank_zero_exit(const std::string & script) {
    const auto r = run_command("start=$(date +%s); " + script + " wait $r0; echo \"rank0 $? $(( $(date +%s) - start ))\"");
    RankZeroExit e;
    e.output = r.out + r.err;
    e.seen = std::sscanf(r.out.c_str(), "rank0 %d %d", &e.status, &e.seconds) == 2;
    return e;
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
                           "1.41e-05", "--resume", "--reference", "--lora-r", "--lora-targets", "--merge"})
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

// --lora-r: adapters and value head train, the export is a PEFT adapter directory that
// summarize-eval runs on its base, the run resumes as a LoRA run, and --merge exports
// the merged weights in the Hugging Face layout instead.
TEST(PpoCli, LoraRunExportsAnAdapterThatSummarizeEvalReads) {
    const std::string out = ragppo::test::make_temp_dir("ppo_cli_lora_") + "/run";
    const std::string lora = " --lora-r 4 --lora-alpha 8 --lora-targets c_attn,c_proj";
    const auto r = run_command(ragppo_cmd(small_ppo(out) + lora));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("LoRA r 4, alpha 8: 6 adapters"), std::string::npos) << r.out;  // 2 layers x 3 projections
    for (const char * f : {"model/adapter_config.json", "model/adapter_model.safetensors", "model/value_head.safetensors",
                           "model/tokenizer.json"})
        EXPECT_TRUE(fs::exists(fs::path(out) / f)) << f;
    EXPECT_FALSE(fs::exists(fs::path(out) / "model/model.safetensors"));
    const auto adapter = nlohmann::json::parse(std::ifstream(fs::path(out) / "model/adapter_config.json"));
    EXPECT_EQ(adapter["r"], 4);
    EXPECT_EQ(adapter["target_modules"], nlohmann::json({"c_attn", "c_proj"}));
    EXPECT_EQ(adapter["base_model_name_or_path"], fs::absolute(ragppo::test::fixture("ppo_tiny_lm")).string());
    const auto config = nlohmann::json::parse(std::ifstream(fs::path(out) / "config.json"));
    EXPECT_EQ(config["ppo"]["lora_r"], 4) << config.dump();

    const auto e = run_command(ragppo_cmd("summarize-eval --offline -m " + shell_quote(out + "/model") + " -d " +
                                          cnn_validation() + " --count 2 --query-max-tokens 24 -n 6 -t 1"));
    ASSERT_EQ(e.exit_code, 0) << e.err;
    EXPECT_NE(e.out.find("ROUGE-1"), std::string::npos) << e.out;

    const auto refused = run_command(ragppo_cmd(small_ppo(out, 3) + " --resume --lora-r 8"));
    EXPECT_NE(refused.exit_code, 0);
    EXPECT_NE(refused.err.find("--lora-r"), std::string::npos) << refused.err;
    EXPECT_EQ(count_lines(refused.err), 1) << refused.err;
    const auto again = run_command(ragppo_cmd(small_ppo(out, 3) + " --resume --merge"));
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(lines_in(fs::path(out) / "stats.jsonl"), 3u);
    EXPECT_NE(again.out.find("LoRA merged"), std::string::npos) << again.out;
    EXPECT_TRUE(fs::exists(fs::path(out) / "model/model.safetensors"));
    EXPECT_FALSE(fs::exists(fs::path(out) / "model/adapter_config.json"));

    const std::pair<const char *, const char *> refused_flags[] = {
        {" --lora-r 2 --lora-targets c_attn,wte", "LoRA target 'wte' names no GPT-2 projection"},
        {" --lora-alpha 16", "--lora-alpha applies to LoRA adapters: add --lora-r R"},
        {" --merge", "--merge applies to LoRA adapters"},
        {" --lora-r 2 --merge --no-export", "--merge shapes the export, which --no-export turns off"},
    };
    for (const auto & [flags, says] : refused_flags) {
        const std::string dir = ragppo::test::make_temp_dir("ppo_cli_lora_bad_") + "/run";
        const auto bad = run_command(ragppo_cmd(small_ppo(dir) + flags));
        EXPECT_NE(bad.exit_code, 0) << flags;
        EXPECT_NE(bad.err.find(says), std::string::npos) << bad.err;
        EXPECT_EQ(count_lines(bad.err), 1) << bad.err;
        EXPECT_FALSE(fs::exists(dir)) << flags;  // refused before anything was written
    }
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

// `--nproc 2`: two ranks on this machine write one run (rank 0's files, every
// rank's samples); the run resumes with two ranks and refuses one.
TEST(PpoCli, TwoRanksWriteOneRunThatResumesOnlyWithTwoRanks) {
    const std::string out = ragppo::test::make_temp_dir("ppo_cli_dp_") + "/run";
    const std::string two = two_ranks(small_ppo(out, 2)) + " --nproc 2 --no-export";
    const auto r = run_command(ragppo_cmd(two));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("over 2 ranks"), std::string::npos) << r.err;
    EXPECT_EQ(lines_in(fs::path(out) / "stats.jsonl"), 2u);
    std::ifstream samples(fs::path(out) / "samples.jsonl");
    for (std::string line; std::getline(samples, line);)
        EXPECT_EQ(nlohmann::json::parse(line)["samples"].size(), 2u) << line;  // --batch-size 2: one per rank
    EXPECT_EQ(nlohmann::json::parse(std::ifstream(fs::path(out) / "config.json"))["world_size"], 2);
    EXPECT_EQ(r.out.find("done:"), r.out.rfind("done:")) << "only rank 0 reports: " << r.out;

    const auto one = run_command(ragppo_cmd(two_ranks(small_ppo(out, 3)) + " --no-export --resume"));
    EXPECT_NE(one.exit_code, 0);
    EXPECT_NE(one.err.find("trained by 2 rank(s), this one has 1; resume with --nproc 2"), std::string::npos) << one.err;
    EXPECT_EQ(lines_in(fs::path(out) / "stats.jsonl"), 2u);  // untouched

    const auto again = run_command(ragppo_cmd(two_ranks(small_ppo(out, 3)) + " --nproc 2 --no-export --resume"));
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(lines_in(fs::path(out) / "stats.jsonl"), 3u);
    EXPECT_NE(run_command(ragppo_cmd("ppo --help")).out.find("--nproc"), std::string::npos);

    // 2 + 1 steps resumed = 3 steps straight: every rank's RNG state was in the checkpoint.
    const std::string straight = ragppo::test::make_temp_dir("ppo_cli_dp_straight_") + "/run";
    ASSERT_EQ(run_command(ragppo_cmd(two_ranks(small_ppo(straight, 3)) + " --nproc 2 --no-export")).exit_code, 0);
    const auto stats_without_times = [](const fs::path & p) {
        std::vector<nlohmann::json> lines;
        std::ifstream in(p);
        for (std::string line; std::getline(in, line);) {
            auto j = nlohmann::json::parse(line);
            for (auto it = j.begin(); it != j.end();) it = it.key().rfind("time/", 0) == 0 ? j.erase(it) : std::next(it);
            lines.push_back(j);
        }
        return lines;
    };
    EXPECT_EQ(stats_without_times(fs::path(out) / "stats.jsonl"), stats_without_times(fs::path(straight) / "stats.jsonl"));
    EXPECT_EQ(ragppo::test::read_file(out + "/samples.jsonl"), ragppo::test::read_file(straight + "/samples.jsonl"));
}

// Two ranks started as torchrun would (RANK, WORLD_SIZE, MASTER_*): rank 1 is
// killed mid-run; rank 0 stops with one error line instead of waiting.
TEST(PpoCli, AKilledRankStopsTheOtherWithOneLine) {
    const std::string dir = ragppo::test::make_temp_dir("ppo_cli_kill_");
    const std::string out = dir + "/run";
    const std::string args = replaced(replaced(two_ranks(small_ppo(out, 100000)), "--eval-samples 2", "--eval-samples 0"),
                                      "--save-every 1", "--save-every 0");
    const std::string cmd = "env " + ragppo_cmd(args + " --no-export");
    const auto e = rank_zero_exit(
        "export WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(ragppo::test::free_loopback_port()) + ";"
        "RANK=0 timeout 120 " + cmd + " >/dev/null 2>" + shell_quote(dir + "/rank0.err") + " & r0=$!;"
        "RANK=1 " + cmd + " >/dev/null 2>&1 & r1=$!;"
        "i=0; while [ ! -s " + shell_quote(out + "/stats.jsonl") + " ] && [ $i -lt 1200 ] && kill -0 $r0; do sleep 0.1; i=$((i+1)); done;"
        "kill -9 $r1;");
    ASSERT_TRUE(e.seen) << e.output;
    EXPECT_NE(e.status, 0);
    EXPECT_NE(e.status, 124) << "rank 0 hung until timeout(1) killed it";
    const std::string err = ragppo::test::read_file(dir + "/rank0.err");
    int error_lines = 0;
    for (size_t at = err.find("error:"); at != std::string::npos; at = err.find("error:", at + 1)) ++error_lines;
    EXPECT_EQ(error_lines, 1) << err;
    EXPECT_NE(err.find("rank 0: lost contact with the other ranks"), std::string::npos) << err;
    EXPECT_GE(lines_in(fs::path(out) / "stats.jsonl"), 1u);
}

// libtorch's BLAS calls must reach the MKL inside libtorch_cpu, not the OpenBLAS that
// FAISS brings in: bound to OpenBLAS, its pthreads fight torch's OpenMP threads and a
// PPO step on 2 threads took 5x as long as on 1 (CMakeLists.txt, target `ragppo`).
TEST(PpoCli, LibtorchGemmRunsOnLibtorchsOwnBlas) {
    const auto r = run_command(ragppo_cmd("system-info"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("BLAS sgemm_ resolves to libtorch_cpu.so"), std::string::npos) << r.out;
}

// A rank of `--nproc` that dies before the rendezvous: rank 0 names it and exits at
// once instead of waiting for it until --dist-timeout.
TEST(PpoCli, ARankOfNprocThatDiesEarlyIsNamedAndEndsTheRun) {
    const std::string dir = ragppo::test::make_temp_dir("ppo_cli_early_");
    const std::string cmd =
        ragppo_cmd(two_ranks(small_ppo(dir + "/run", 3)) + " --nproc 2 --no-export --dist-timeout 600");
    const auto e = rank_zero_exit(
        cmd + " >/dev/null 2>" + shell_quote(dir + "/err") + " & r0=$!;"
        // rank 1 is rank 0's child: kill it as soon as it exists
        "c=; i=0; while [ -z \"$c\" ] && [ $i -lt 600 ]; do"
        "  c=$(awk -v p=$r0 '$4 == p {print $1}' /proc/[0-9]*/stat 2>/dev/null | head -n1); sleep 0.05; i=$((i+1)); done;"
        "kill -9 $c;");
    ASSERT_TRUE(e.seen) << e.output;
    EXPECT_EQ(e.status, 1);
    EXPECT_LT(e.seconds, 60) << "rank 0 waited for the dead rank";
    const std::string err = ragppo::test::read_file(dir + "/err");
    EXPECT_NE(err.find("--nproc: rank 1 was killed by signal 9"), std::string::npos) << err;
}
