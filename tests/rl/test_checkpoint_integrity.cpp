// rl/ppo_checkpoint: state.json records the CRC-32C of each tensor file, and a resume
// checks them, so a flipped byte in the weights or the optimizer state is refused with
// a one-line error instead of training on from damaged numbers. Checkpoints written
// before the checksums (no "crc32c" in state.json) still resume.
#include "gpt2_fixtures.h"
#include "rl/ppo_checkpoint.h"
#include "rl/ppo_run.h"
#include "support/files.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using namespace ragppo;
using namespace ragppo::rl;
namespace fs = std::filesystem;

namespace {

PpoRunParams tiny_run(const std::string & out, int64_t steps) {
    test::use_one_torch_thread();
    static const auto data =
        load_summary_data(test::shared_data("cnn_dailymail/cnn_dailymail_validation.csv")).examples;
    PpoRunParams p;
    p.model_dir = test::fixture("ppo_tiny_lm");
    p.train.assign(data.begin(), data.begin() + 8);
    p.out_dir = out;
    p.ppo.steps = steps;
    p.ppo.batch_size = 2;
    p.ppo.mini_batch_size = 1;
    p.ppo.ppo_epochs = 1;
    p.ppo.query_max_tokens = 16;
    p.ppo.max_new_tokens = 4;
    p.save_every = 1;
    p.export_model = false;
    p.plots = false;
    p.quiet = true;
    return p;
}

}  // namespace

TEST(CheckpointIntegrity, AFlippedByteInATensorFileIsRefusedOnResume) {
    for (const char * file : {"policy.pt", "optimizer.pt", "rng.pt"}) {
        const std::string out = test::make_temp_dir("ppo-crc");
        run_ppo(tiny_run(out, 1));
        const auto latest = latest_checkpoint(fs::path(out) / "checkpoints");
        ASSERT_TRUE(latest);
        const auto state = read_checkpoint_state(*latest);
        ASSERT_TRUE(state.contains("crc32c"));
        EXPECT_EQ(state["crc32c"].size(), 3u);
        test::flip_middle_byte(*latest / file);
        auto resumed = tiny_run(out, 2);
        resumed.resume = true;
        const std::string err = test::error_of([&] { run_ppo(resumed); });
        EXPECT_NE(err.find(std::string(file) + " is corrupt"), std::string::npos) << file << ": " << err;
        EXPECT_EQ(err.find('\n'), std::string::npos) << err;
    }
}

TEST(CheckpointIntegrity, ACheckpointWithoutChecksumsStillResumes) {
    const std::string out = test::make_temp_dir("ppo-crc-old");
    run_ppo(tiny_run(out, 1));
    const auto latest = latest_checkpoint(fs::path(out) / "checkpoints");
    ASSERT_TRUE(latest);
    auto state = read_checkpoint_state(*latest);
    state.erase("crc32c");
    std::ofstream(*latest / "state.json") << state.dump(1) << '\n';
    auto resumed = tiny_run(out, 2);
    resumed.resume = true;
    EXPECT_EQ(run_ppo(resumed).steps_done, 2);
}
