// `ragppo verify RUN` checks every checkpoint of a PPO run against the CRC-32C in its
// state.json and names the bad file; `ppo --resume` refuses a damaged checkpoint, and
// `--resume --no-verify` skips that check (for a run whose files were checked apart).
#include "support/files.h"
#include "support/paths.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

using ragppo::test::bin;
using ragppo::test::run_command;
using ragppo::test::shell_quote;
namespace fs = std::filesystem;

namespace {

std::string small_ppo(const fs::path & out, int steps, const std::string & extra = "") {
    return "OMP_NUM_THREADS=1 " + bin("ragppo") + " ppo --offline -m " + shell_quote(ragppo::test::fixture("ppo_tiny_lm")) +
           " -d " + shell_quote(ragppo::test::shared_data("cnn_dailymail/cnn_dailymail_validation.csv")) +
           " --limit 12 --eval-samples 2 --steps " + std::to_string(steps) +
           " --batch-size 2 --mini-batch-size 1 --ppo-epochs 1 --query-max-tokens 24 -n 6 --save-every 1 -t 1"
           " --no-export --no-plots -o " + shell_quote(out.string()) + " " + extra;
}

}  // namespace

TEST(CheckpointVerify, ACorruptTensorFileIsNamedAndNoVerifyResumesPastTheCheck) {
    const fs::path run = fs::path(ragppo::test::make_temp_dir("ragppo_ckpt_verify_")) / "run";
    const auto first = run_command(small_ppo(run, 2));
    ASSERT_EQ(first.exit_code, 0) << first.err;

    const auto ok = run_command(bin("ragppo") + " verify " + shell_quote(run.string()));
    EXPECT_EQ(ok.exit_code, 0) << ok.err;
    EXPECT_EQ(std::count(ok.out.begin(), ok.out.end(), '\n'), 2) << ok.out;  // --keep-checkpoints 2
    EXPECT_NE(ok.out.find("OK " + (run / "checkpoints" / "step-000002").string() + ": PPO checkpoint, step 2"),
              std::string::npos) << ok.out;

    // One flipped byte in the middle of the newest policy.pt (tensor data: same size).
    const fs::path policy = run / "checkpoints" / "step-000002" / "policy.pt";
    ragppo::test::flip_middle_byte(policy);

    for (const fs::path & target : {run, run / "checkpoints" / "step-000002"}) {
        const auto bad = run_command(bin("ragppo") + " verify " + shell_quote(target.string()));
        EXPECT_EQ(bad.exit_code, 1) << target;
        EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
        EXPECT_NE(bad.err.find(policy.string() + " is corrupt"), std::string::npos) << bad.err;
    }

    const auto refused = run_command(small_ppo(run, 3, "--resume"));
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.err.find("policy.pt is corrupt"), std::string::npos) << refused.err;

    // --no-verify goes past the checksum (whatever torch then makes of the bytes).
    const auto skipped = run_command(small_ppo(run, 3, "--resume --no-verify"));
    EXPECT_EQ(skipped.err.find("CRC-32C"), std::string::npos) << skipped.err;

    const auto help = run_command(bin("ragppo") + " ppo --help");
    EXPECT_NE(help.out.find("--no-verify"), std::string::npos);
}
