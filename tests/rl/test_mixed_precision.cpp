// BF16 autocast (PpoConfig::bf16): the scope turns autocast on and restores what
// was there; the transformer runs in bf16 while both heads stay fp32; a bf16 PPO
// step moves the weights the way the fp32 step does, keeps them fp32 and
// finite; a bf16 rollout samples valid tokens with log-probs close to fp32's.
// Also the allocator setting the trainer applies (util/heap_reuse.h).
#include "gpt2_fixtures.h"
#include "rl/gpt2_load.h"
#include "rl/mixed_precision.h"
#include "rl/ppo_trainer.h"
#include "rl/rollout.h"
#include "util/heap_reuse.h"

#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

using namespace ragppo;
using namespace ragppo::rl;

namespace {

const torch::Device kCpu(torch::kCPU);

const std::vector<std::vector<int32_t>> kQueries = {
    {848, 487, 301, 544, 358}, {979, 442, 515, 960, 511, 250, 521, 199, 395}, {565, 663}, {17, 23, 99}};

torch::Tensor flat_weights(Gpt2PolicyImpl & policy) {
    std::vector<torch::Tensor> parts;
    for (const auto & p : policy.parameters()) parts.push_back(p.detach().flatten().to(torch::kFloat64));
    return torch::cat(parts);
}

}  // namespace

TEST(MixedPrecision, ScopeTurnsAutocastOnAndRestoresIt) {
    const auto x = torch::randn({3, 8});
    const auto w = torch::randn({5, 8});
    ASSERT_FALSE(at::autocast::is_autocast_enabled(torch::kCPU));
    {
        AutocastScope bf16(kCpu, true);
        EXPECT_EQ(torch::linear(x, w).scalar_type(), torch::kBFloat16);
        {
            AutocastScope fp32(kCpu, false);  // what the heads do inside a bf16 region
            EXPECT_EQ(torch::linear(x, w).scalar_type(), torch::kFloat32);
        }
        EXPECT_EQ(torch::linear(x, w).scalar_type(), torch::kBFloat16);
    }
    EXPECT_FALSE(at::autocast::is_autocast_enabled(torch::kCPU));
    EXPECT_EQ(torch::linear(x, w).scalar_type(), torch::kFloat32);
    {
        AutocastScope off(kCpu, false);  // bf16 = false is a no-op region
        EXPECT_EQ(torch::linear(x, w).scalar_type(), torch::kFloat32);
    }
}

TEST(MixedPrecision, TransformerInBf16HeadsInFp32) {
    test::use_one_torch_thread();
    auto policy = load_gpt2_policy(test::fixture("gpt2_tiny_vhead"));
    const auto ids = torch::tensor({{848, 487, 301, 544, 358, 17, 23, 99}}, torch::kInt64);
    torch::NoGradGuard no_grad;
    const auto fp32 = policy->forward(ids);
    Gpt2Output bf16;
    {
        AutocastScope scope(kCpu, true);
        bf16 = policy->forward(ids);
    }
    EXPECT_EQ(bf16.logits.scalar_type(), torch::kFloat32);
    EXPECT_EQ(bf16.values.scalar_type(), torch::kFloat32);
    const double logit_diff = (bf16.logits - fp32.logits).abs().max().item<double>();
    // Not identical: the matmuls really ran in bf16 ...
    EXPECT_GT(logit_diff, 0.0);
    // ... and close: bf16 keeps 8 bits of mantissa, the residual stream stays fp32.
    EXPECT_LT(logit_diff, 0.05 * std::max(1.0, fp32.logits.abs().max().item<double>()));
    const auto lp32 = torch::log_softmax(fp32.logits, -1), lp16 = torch::log_softmax(bf16.logits, -1);
    EXPECT_LT((lp16 - lp32).abs().max().item<double>(), 0.05);
    for (const auto & p : policy->parameters()) EXPECT_EQ(p.scalar_type(), torch::kFloat32);
}

TEST(MixedPrecision, Bf16RolloutSamplesWithLogprobsCloseToFp32) {
    test::use_one_torch_thread();
    auto policy = load_gpt2_policy(test::fixture("gpt2_tiny_vhead"));
    RolloutParams rp;
    rp.max_new_tokens = 8;
    rp.eos_id = 999;
    rp.return_logprobs = true;
    rp.sampler.top_k = 1;  // greedy: both precisions follow the same path unless a near tie flips
    auto rng32 = make_cpu_generator(5);
    const auto fp32 = rollout(*policy, kQueries, rp, rng32);
    rp.bf16 = true;
    auto rng16 = make_cpu_generator(5);
    const auto bf16 = rollout(*policy, kQueries, rp, rng16);
    ASSERT_EQ(bf16.size(), kQueries.size());
    EXPECT_FALSE(at::autocast::is_autocast_enabled(torch::kCPU));  // restored after the rollout
    size_t compared = 0;
    for (size_t i = 0; i < bf16.size(); ++i) {
        ASSERT_FALSE(bf16[i].response.empty());
        for (auto t : bf16[i].response) EXPECT_TRUE(t >= 0 && t < policy->config().vocab_size);
        // Compare log-probs along the common prefix of both greedy paths.
        for (size_t t = 0; t < std::min(fp32[i].response.size(), bf16[i].response.size()); ++t) {
            if (fp32[i].response[t] != bf16[i].response[t]) break;
            EXPECT_NEAR(bf16[i].logprobs[t], fp32[i].logprobs[t], 0.05) << "query " << i << " token " << t;
            ++compared;
        }
    }
    EXPECT_GE(compared, kQueries.size());  // at least the first token of every query
}

// One PPO step in bf16 and one in fp32 from the same weights and the same
// rollouts: the updates point the same way and the logged losses agree.
TEST(MixedPrecision, Bf16StepMovesWeightsAsFp32Does) {
    test::use_one_torch_thread();
    torch::manual_seed(0);
    auto base = load_gpt2_policy(test::fixture("gpt2_tiny_vhead"));
    RolloutParams rp;
    rp.max_new_tokens = 10;
    rp.eos_id = 999;
    auto rng = make_cpu_generator(3);
    const auto seqs = rollout(*base, kQueries, rp, rng);
    std::vector<std::vector<int32_t>> responses;
    std::vector<double> scores;
    for (size_t i = 0; i < seqs.size(); ++i) {
        responses.push_back(seqs[i].response);
        scores.push_back(0.1 + 0.2 * static_cast<double>(i));
    }
    const auto before = flat_weights(*base);

    auto step_with = [&](bool bf16) {
        PpoConfig cfg;
        cfg.batch_size = cfg.mini_batch_size = 4;
        cfg.ppo_epochs = 1;  // one Adam step: its direction is the comparison
        cfg.learning_rate = 1e-3;
        cfg.bf16 = bf16;
        auto policy = frozen_copy(*base);
        for (auto & p : policy->parameters()) p.set_requires_grad(true);
        PpoTrainer trainer(policy, frozen_copy(*base), cfg, 0);
        const auto stats = trainer.step(kQueries, responses, scores);
        for (const auto & p : policy->parameters()) {
            EXPECT_EQ(p.scalar_type(), torch::kFloat32);
            EXPECT_TRUE(torch::isfinite(p).all().item<bool>());
        }
        return std::make_pair(flat_weights(*policy) - before, stats);
    };
    const auto [delta32, stats32] = step_with(false);
    const auto [delta16, stats16] = step_with(true);
    ASSERT_GT(delta32.norm().item<double>(), 0.0);
    ASSERT_GT(delta16.norm().item<double>(), 0.0);
    const double cosine = (torch::dot(delta32, delta16) / (delta32.norm() * delta16.norm())).item<double>();
    EXPECT_GT(cosine, 0.9);
    EXPECT_NEAR(stats16.at("ppo/loss/value"), stats32.at("ppo/loss/value"), 0.02 * std::abs(stats32.at("ppo/loss/value")) + 1e-4);
    EXPECT_NEAR(stats16.at("ppo/loss/policy"), stats32.at("ppo/loss/policy"), 0.05 * std::abs(stats32.at("ppo/loss/policy")) + 1e-3);
    // Epoch 0 recomputes the rollout's log-probs with the same bf16 numerics: ratio 1.
    EXPECT_NEAR(stats16.at("ppo/policy/approxkl"), 0.0, 1e-9);
}

TEST(HeapReuse, LargeBlocksComeFromTheHeapAfterwards) {
#if defined(__SANITIZE_ADDRESS__) || !defined(__GLIBC__)
    GTEST_SKIP() << "the allocator is not glibc's (sanitizer build): keep_freed_memory is a no-op there";
#else
    ASSERT_TRUE(util::keep_freed_memory());
    const auto before = mallinfo2();
    void * block = std::malloc(size_t{96} << 20);  // above glibc's largest mmap threshold (32 MB)
    ASSERT_NE(block, nullptr);
    const auto during = mallinfo2();
    EXPECT_EQ(during.hblks, before.hblks);        // no new mmap()ed block
    EXPECT_GE(during.arena, before.arena + (size_t{96} << 20) - (size_t{1} << 20));  // the heap grew instead
    std::free(block);
    EXPECT_GE(mallinfo2().arena, before.arena + (size_t{95} << 20));  // and was not trimmed back
#endif
}
