// The memory estimate of a PPO step (rl/ppo_memory.h) and the up-front refusal of a
// batch that cannot fit. The available memory is passed in, so these never depend on
// the machine's free memory; the CLI case uses a model shape no machine can hold.
#include "rl/ppo_memory.h"
#include "support/files.h"
#include "support/paths.h"
#include "support/process.h"
#include "util/available_memory.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <regex>

using namespace ragppo;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;

rl::PpoConfig batch(int64_t b, int64_t mb) {
    rl::PpoConfig c;  // 512-token queries, 128 new tokens
    c.batch_size = b;
    c.mini_batch_size = mb;
    return c;
}

}  // namespace

TEST(PpoMemory, Gpt2SmallHasItsKnownParameterCount) {
    rl::Gpt2Config gpt2;  // GPT2Config's defaults: the 124M model
    EXPECT_NEAR(rl::gpt2_parameter_count(gpt2), 124.44e6 + 769, 0.01e6);
}

// LoRA: one copy of the base; gradients and Adam only for adapters and value head.
TEST(PpoMemory, LoraHoldsTheBaseOnceAndTrainsOnlyTheAdapters) {
    const rl::Gpt2Config gpt2;
    rl::LoraConfig lora;
    lora.r = 16;
    lora.targets = {"c_attn"};
    EXPECT_EQ(rl::lora_parameter_count(gpt2, lora), 12.0 * 16 * (768 + 3 * 768));
    lora.targets = {"c_proj"};  // attention's and the MLP's
    EXPECT_EQ(rl::lora_parameter_count(gpt2, lora), 12.0 * 16 * ((768 + 768) + (3072 + 768)));
    lora.targets = {"c_attn"};
    auto with = batch(4, 4);
    with.lora = lora;
    const auto full = rl::estimate_ppo_memory(gpt2, batch(4, 4)), adapted = rl::estimate_ppo_memory(gpt2, with);
    const double params = rl::gpt2_parameter_count(gpt2);
    EXPECT_NEAR(adapted.weights, 4 * (params + 4 * (12.0 * 16 * 4 * 768 + 769)), 1.0);
    EXPECT_NEAR(full.weights, 5 * 4 * params, 1.0);
    EXPECT_EQ(adapted.training, full.training);  // the backward pass still runs through every layer
    EXPECT_LT(adapted.peak(), full.peak() - 1.5 * (1 << 30));
    lora.r = 0;
    EXPECT_EQ(rl::lora_parameter_count(gpt2, lora), 0.0);
}

TEST(PpoMemory, TheEstimateGrowsWithBatchMiniBatchAndSequence) {
    const rl::Gpt2Config gpt2;
    double last = 0;
    for (int64_t b : {1, 2, 4, 8, 64, 1024}) {
        const double peak = rl::estimate_ppo_memory(gpt2, batch(b, b)).peak();
        EXPECT_GT(peak, last) << b;
        last = peak;
    }
    // A smaller mini-batch with the same batch needs less (the grad pass is per mini-batch).
    EXPECT_LT(rl::estimate_ppo_memory(gpt2, batch(64, 4)).peak(), rl::estimate_ppo_memory(gpt2, batch(64, 64)).peak());
    auto longer = batch(4, 4);
    longer.max_new_tokens = 256;
    EXPECT_GT(rl::estimate_ppo_memory(gpt2, longer).peak(), rl::estimate_ppo_memory(gpt2, batch(4, 4)).peak());
    auto full = batch(4, 4);
    full.kl_estimator = rl::KlEstimator::Full;
    EXPECT_GT(rl::estimate_ppo_memory(gpt2, full).peak(), rl::estimate_ppo_memory(gpt2, batch(4, 4)).peak());
    // The reference setting (batch 4 on GPT-2 124M): weights x5 (2.5 GB) plus a few GB.
    const double ref = rl::estimate_ppo_memory(gpt2, batch(4, 4)).peak();
    EXPECT_GT(ref, 3.0 * kGiB);
    EXPECT_LT(ref, 8.0 * kGiB);
    EXPECT_GT(rl::estimate_summarize_memory(gpt2, 64, 512, 128), rl::estimate_summarize_memory(gpt2, 8, 512, 128));
}

TEST(PpoMemory, AHugeBatchIsRefusedAgainstTheAvailableMemoryGiven) {
    const rl::Gpt2Config gpt2;
    const uint64_t available = 16 * kGiB;
    EXPECT_NO_THROW(rl::check_ppo_memory(gpt2, batch(4, 4), available));
    const std::string msg = test::error_of([&] { rl::check_ppo_memory(gpt2, batch(1024, 1024), available); });
    ASSERT_FALSE(msg.empty());
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    EXPECT_NE(msg.find("--batch-size 1024 --mini-batch-size 1024 needs about "), std::string::npos) << msg;
    EXPECT_NE(msg.find("only 16.0 GB is available"), std::string::npos) << msg;
    // The batch it suggests fits, one more does not.
    std::smatch m;
    ASSERT_TRUE(std::regex_search(msg, m, std::regex("about (\\d+) rollouts per batch would fit"))) << msg;
    const int64_t fits = std::stoll(m[1]);
    ASSERT_GE(fits, 4);
    EXPECT_NO_THROW(rl::check_ppo_memory(gpt2, batch(fits, fits), available));
    EXPECT_THROW(rl::check_ppo_memory(gpt2, batch(fits + 1, fits + 1), available), Error);
    // Nothing fits in 1 GB: the weights alone are 2.5 GB.
    const std::string none = test::error_of([&] { rl::check_ppo_memory(gpt2, batch(1, 1), kGiB); });
    EXPECT_NE(none.find("even one rollout"), std::string::npos) << none;

    EXPECT_NO_THROW(rl::check_summarize_memory(gpt2, 8, 512, 128, available));
    const std::string eval = test::error_of([&] { rl::check_summarize_memory(gpt2, 1024, 512, 128, available); });
    EXPECT_NE(eval.find("use --batch-size "), std::string::npos) << eval;
}

// With ranks, each holds the model and its share of the batch: what is checked is one
// rank against the memory it has, and the advice is for the whole batch.
TEST(PpoMemory, RanksAreCheckedByTheirShareAndAdvisedForTheWholeBatch) {
    const rl::Gpt2Config gpt2;
    const uint64_t available = 16 * kGiB;
    const std::string one = test::error_of([&] { rl::check_ppo_memory(gpt2, batch(1024, 1024), available); });
    std::smatch m;
    ASSERT_TRUE(std::regex_search(one, m, std::regex("about (\\d+) rollouts per batch would fit"))) << one;
    const int64_t fits_alone = std::stoll(m[1]);
    // Twice the batch that fits one process fits 2 ranks (each its half) ...
    EXPECT_NO_THROW(rl::check_ppo_memory(gpt2, batch(2 * fits_alone, 2 * fits_alone), available, 2));
    // ... and when it does not, the advice counts every rank's share.
    const std::string two = test::error_of([&] { rl::check_ppo_memory(gpt2, batch(1024, 1024), available, 2); });
    EXPECT_NE(two.find("on each of 2 ranks"), std::string::npos) << two;
    ASSERT_TRUE(std::regex_search(two, m, std::regex("about (\\d+) rollouts per batch would fit, (\\d+) per rank"))) << two;
    EXPECT_EQ(std::stoll(m[1]), 2 * std::stoll(m[2]));
    EXPECT_EQ(std::stoll(m[2]), fits_alone);
}

TEST(PpoMemory, MemAvailableIsReadFromMeminfo) {
    EXPECT_EQ(util::parse_mem_available("MemTotal:       24000000 kB\nMemFree:  100 kB\nMemAvailable:   22000000 kB\n"),
              uint64_t{22000000} * 1024);
    EXPECT_FALSE(util::parse_mem_available("MemTotal: 1 kB\n").has_value());
    EXPECT_TRUE(util::available_memory_bytes().has_value());  // this machine has /proc (value not checked)
    EXPECT_EQ(util::format_bytes(1.5 * kGiB), "1.5 GB");
    EXPECT_EQ(util::format_bytes(512), "512 bytes");
}

TEST(PpoMemory, RagppoPpoRefusesABatchThatCannotFitBeforeAnyWork) {
    // A GPT-2 shape (48 layers, 6400 wide) whose batch of 1024 needs petabytes: refused on
    // any machine, from config.json alone (no weights, tokenizer or data are read).
    const fs::path dir = test::make_temp_dir("ragppo_ppo_memory_");
    test::write_file(dir / "model" / "config.json",
                     nlohmann::json{{"model_type", "gpt2"}, {"n_embd", 6400}, {"n_layer", 48}, {"n_head", 50},
                                    {"vocab_size", 50257}, {"n_positions", 1024}}.dump());
    const auto r = test::run_command(test::bin("ragppo") + " ppo --offline -m " + test::shell_quote((dir / "model").string()) +
                                     " -d /nonexistent/articles.csv --batch-size 1024 --mini-batch-size 1024 -o " +
                                     test::shell_quote((dir / "run").string()));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find("needs about"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("is available"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("/nonexistent/"), std::string::npos) << r.err;  // refused before the data
    EXPECT_FALSE(fs::exists(dir / "run"));

    const auto help = test::run_command(test::bin("ragppo") + " ppo --help");
    EXPECT_NE(help.out.find("memory estimate"), std::string::npos) << help.out;
}
