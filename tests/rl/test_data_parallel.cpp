// Data-parallel PPO over libtorch's c10d (Gloo, loopback), with the ranks as
// threads of this test: the collectives, torchrun's environment, and the
// step itself: 2 ranks with 2 rollouts each make the update that 1 rank
// makes with the same 4 rollouts.
#include "gpt2_fixtures.h"
#include "ragppo.h"
#include "rl/data_parallel.h"
#include "rl/gpt2_load.h"
#include "rl/lora.h"
#include "rl/ppo_trainer.h"
#include "rl/rollout.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <future>
#include <thread>

using namespace ragppo;
using namespace ragppo::rl;

namespace {

PpoRanks rank_params(int rank, int world, int port) {
    PpoRanks p;
    p.rank = rank;
    p.world_size = world;
    p.master_port = port;
    p.timeout_s = 60;
    return p;
}

// Runs body(rank) on `world` threads, each a rank; returns their results in rank order.
template <class R>
std::vector<R> on_ranks(int world, const std::function<R(int)> & body) {
    std::vector<std::future<R>> futures;
    for (int r = 0; r < world; ++r) futures.push_back(std::async(std::launch::async, body, r));
    std::vector<R> out;
    for (auto & f : futures) out.push_back(f.get());
    return out;
}

}  // namespace

TEST(DataParallel, OneRankCollectivesReturnTheirInput) {
    DataParallel one;
    EXPECT_EQ(one.world_size(), 1);
    EXPECT_TRUE(one.is_main());
    const auto t = torch::arange(6, torch::kFloat32).view({3, 2});
    EXPECT_TRUE(torch::equal(one.all_gather_rows(t), t));
    EXPECT_TRUE(torch::equal(one.my_share(torch::arange(4)), torch::arange(4)));
    EXPECT_EQ(one.all_gather_bytes("abc"), std::vector<std::string>{"abc"});
}

// A library caller's timeout or port out of range is refused in one line before any
// rendezvous (a timeout of 0 failed every wait; a port was cast to 16 bits).
TEST(DataParallel, ATimeoutOrPortOutOfRangeIsRefusedBeforeTheRendezvous) {
    auto refused = [](PpoRanks p) {
        try {
            DataParallel dp(p, "cpu");
        } catch (const Error & e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    PpoRanks p = rank_params(0, 2, 29500);
    p.timeout_s = 0;
    EXPECT_EQ(refused(p), "data-parallel run: timeout_s must be between 1 and 604800 seconds, not 0");
    p.timeout_s = std::nan("");
    EXPECT_EQ(refused(p), "data-parallel run: timeout_s must be between 1 and 604800 seconds, not nan");
    p.timeout_s = 1e9;
    EXPECT_EQ(refused(p), "data-parallel run: timeout_s must be between 1 and 604800 seconds, not 1e+09");
    p = rank_params(1, 2, 70000);
    EXPECT_EQ(refused(p), "data-parallel run: master_port must be between 1 and 65535, not 70000");
    p.master_port = 0;
    EXPECT_EQ(refused(p), "data-parallel run: master_port must be between 1 and 65535, not 0");
    // One rank needs no rendezvous: its unused settings are not checked.
    p = rank_params(0, 1, 0);
    p.timeout_s = 0;
    EXPECT_EQ(refused(p), "accepted");
}

TEST(DataParallel, CollectivesOverTwoRanks) {
    const int port = test::free_loopback_port();
    struct Seen {
        torch::Tensor share, gathered, summed, broadcast;
        std::vector<std::string> bytes;
    };
    const auto seen = on_ranks<Seen>(2, [&](int rank) {
        DataParallel dp(rank_params(rank, 2, port), "cpu");
        Seen s;
        s.share = dp.my_share(torch::arange(6));
        s.gathered = dp.all_gather_rows(torch::full({2, 3}, static_cast<float>(rank + 1)));
        std::vector<torch::Tensor> sums{torch::full({4}, static_cast<float>(rank + 1)), torch::full({2, 2}, 10.0 * rank)};
        dp.all_reduce_sum_(sums);
        s.summed = torch::cat({sums[0], sums[1].view(-1)});
        std::vector<torch::Tensor> b{torch::full({3}, static_cast<float>(rank + 7))};
        dp.broadcast_(b, 0);
        s.broadcast = b[0];
        s.bytes = dp.all_gather_bytes(std::string(static_cast<size_t>(rank * 5 + 1), static_cast<char>('a' + rank)));
        dp.barrier();
        return s;
    });
    EXPECT_TRUE(torch::equal(seen[0].share, torch::arange(0, 3)));
    EXPECT_TRUE(torch::equal(seen[1].share, torch::arange(3, 6)));
    const auto gathered = torch::cat({torch::full({2, 3}, 1.0f), torch::full({2, 3}, 2.0f)});
    const auto summed = torch::cat({torch::full({4}, 3.0f), torch::full({4}, 10.0f)});
    const std::vector<std::string> bytes{"a", "bbbbbb"};
    for (const auto & s : seen) {
        EXPECT_TRUE(torch::equal(s.gathered, gathered)) << s.gathered;
        EXPECT_TRUE(torch::equal(s.summed, summed)) << s.summed;
        EXPECT_TRUE(torch::equal(s.broadcast, torch::full({3}, 7.0f))) << s.broadcast;
        EXPECT_EQ(s.bytes, bytes);
    }
}

TEST(DataParallel, TorchrunEnvironmentIsReadAndCheckedByName) {
    ::unsetenv("WORLD_SIZE");
    EXPECT_FALSE(ppo_ranks_from_env().has_value());
    ::setenv("WORLD_SIZE", "2", 1);
    ::setenv("RANK", "1", 1);
    ::setenv("MASTER_ADDR", "10.0.0.5", 1);
    ::setenv("MASTER_PORT", "29501", 1);
    const auto p = ppo_ranks_from_env();
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->rank, 1);
    EXPECT_EQ(p->world_size, 2);
    EXPECT_EQ(p->master_addr, "10.0.0.5");
    EXPECT_EQ(p->master_port, 29501);
    EXPECT_EQ(p->local_world_size, 2);  // no LOCAL_*: every rank on this machine, as --nproc starts them
    EXPECT_EQ(p->local_rank, 1);
    ::setenv("LOCAL_WORLD_SIZE", "1", 1);  // torchrun over two machines, one rank each
    ::setenv("LOCAL_RANK", "0", 1);
    EXPECT_EQ(ppo_ranks_from_env()->local_world_size, 1);
    EXPECT_EQ(ppo_ranks_from_env()->local_rank, 0);
    ::setenv("LOCAL_RANK", "1", 1);  // not below LOCAL_WORLD_SIZE
    EXPECT_THROW(ppo_ranks_from_env(), Error);
    ::unsetenv("LOCAL_RANK");
    ::unsetenv("LOCAL_WORLD_SIZE");
    ::setenv("RANK", "2", 1);  // not below WORLD_SIZE
    try {
        ppo_ranks_from_env();
        ADD_FAILURE() << "RANK 2 of 2 accepted";
    } catch (const Error & e) {
        EXPECT_NE(std::string(e.what()).find("RANK='2'"), std::string::npos) << e.what();
    }
    ::setenv("RANK", "1", 1);
    ::setenv("MASTER_PORT", "http", 1);
    EXPECT_THROW(ppo_ranks_from_env(), Error);
    for (const char * v : {"WORLD_SIZE", "RANK", "MASTER_ADDR", "MASTER_PORT"}) ::unsetenv(v);
}

namespace {

const std::vector<std::vector<int32_t>> kQueries = {
    {848, 487, 301, 544, 358}, {979, 442, 515, 960, 511, 250, 521, 199, 395}, {565, 663}, {17, 23, 99}};

struct Rollouts {
    std::vector<std::vector<int32_t>> queries, responses;
    std::vector<double> scores;
};

// Four rollouts of different lengths from the tiny policy, and made-up scores.
const Rollouts & four_rollouts() {
    static const Rollouts r = [] {
        test::use_one_torch_thread();
        auto policy = load_gpt2_policy(test::fixture("gpt2_tiny_vhead"));
        RolloutParams rp;
        rp.max_new_tokens = 10;
        rp.eos_id = 999;
        rp.pad_id = 0;
        auto rng = make_cpu_generator(5);
        Rollouts out;
        out.queries = kQueries;
        for (const auto & seq : rollout(*policy, kQueries, rp, rng)) out.responses.push_back(seq.response);
        out.scores = {0.1, 0.7, 0.3, 0.5};
        return out;
    }();
    return r;
}

PpoConfig config(int64_t mini_batch) {
    PpoConfig cfg;
    cfg.batch_size = 4;
    cfg.mini_batch_size = mini_batch;
    cfg.ppo_epochs = 4;
    cfg.learning_rate = 1e-3;
    cfg.seed = 9;
    return cfg;
}

struct StepResult {
    std::vector<std::string> names;
    std::vector<torch::Tensor> weights;
    Stats stats;
};

// One PPO step of rank `rank` of `world` on its share of the four rollouts.
StepResult step_on_rank(int rank, int world, int port, const PpoConfig & cfg) {
    test::use_one_torch_thread();
    std::shared_ptr<DataParallel> dp =
        world == 1 ? std::make_shared<DataParallel>() : std::make_shared<DataParallel>(rank_params(rank, world, port), "cpu");
    auto policy = load_gpt2_policy(test::fixture("gpt2_tiny_vhead"));
    if (cfg.lora.enabled()) {
        apply_lora(*policy, cfg.lora);
        // Adapters drawn from a generator of our own (the ranks here are threads sharing
        // torch's global RNG), other ones on each rank: rank 0's must win.
        auto gen = make_cpu_generator(100 + static_cast<uint64_t>(rank));
        torch::NoGradGuard no_grad;
        for (const auto & site : lora_sites(*policy))
            if (*site.adapter) {
                auto & a = (*site.adapter)->lora_A->weight;
                a.copy_(torch::randn(a.sizes(), gen) * 0.2);
            }
    }
    PpoTrainer trainer(policy, cfg.lora.enabled() ? Gpt2Policy{nullptr} : frozen_copy(*policy), cfg, 0, dp);
    const auto & all = four_rollouts();
    const size_t share = all.queries.size() / static_cast<size_t>(world), first = static_cast<size_t>(rank) * share;
    Rollouts mine;
    for (size_t i = first; i < first + share; ++i) {
        mine.queries.push_back(all.queries[i]);
        mine.responses.push_back(all.responses[i]);
        mine.scores.push_back(all.scores[i]);
    }
    StepResult out;
    out.stats = trainer.step(mine.queries, mine.responses, mine.scores);
    for (const auto & p : trainer.policy().named_parameters()) {
        out.names.push_back(p.key());
        out.weights.push_back(p.value().detach().clone());
    }
    return out;
}

// The key third of c_attn's bias has a zero gradient in exact arithmetic (a shift
// of every key by the same vector adds q.b to all of a query's scores, which
// softmax ignores), so its computed gradient is rounding noise, which Adam's first
// steps scale to +-lr whatever its size; it is left out, everything else must agree.
torch::Tensor comparable(const std::string & name, const torch::Tensor & w) {
    if (name.size() < 16 || name.compare(name.size() - 16, 16, "attn.c_attn.bias") != 0) return w;
    const int64_t third = w.size(0) / 3;
    return torch::cat({w.slice(0, 0, third), w.slice(0, 2 * third)});
}

void expect_same_update(const StepResult & one, const StepResult & rank, int which) {
    ASSERT_EQ(one.weights.size(), rank.weights.size());
    ASSERT_EQ(one.names, rank.names);
    const auto & names = one.names;
    double worst = 0;
    std::string where;
    for (size_t i = 0; i < one.weights.size(); ++i) {
        const double d =
            (comparable(names[i], one.weights[i]) - comparable(names[i], rank.weights[i])).abs().max().item<double>();
        if (d > worst) worst = d, where = names[i];
    }
    EXPECT_LT(worst, 1e-5) << "rank " << which << ": weights differ from the one-process step by up to " << worst
                           << " in " << where;
    size_t compared = 0;
    for (const auto & [k, v] : one.stats) {
        if (k.rfind("time/", 0) == 0) continue;
        ASSERT_TRUE(rank.stats.count(k)) << k;
        EXPECT_NEAR(rank.stats.at(k), v, 1e-5 * std::max(1.0, std::abs(v))) << "rank " << which << ": " << k;
        ++compared;
    }
    EXPECT_GT(compared, 20u);
}

}  // namespace

// Mini-batch 4 (the reference's) and 2: every rank draws the same shuffle and takes
// its half of each mini-batch, so both match the one-process step.
TEST(DataParallel, TwoRanksOfTwoRolloutsMakeTheUpdateOfOneRankOfFour) {
    for (const int64_t mini_batch : {4, 2}) {
        SCOPED_TRACE("mini-batch " + std::to_string(mini_batch));
        const auto cfg = config(mini_batch);
        const StepResult one = step_on_rank(0, 1, 0, cfg);
        // The step moved the weights: equal results are not two no-ops.
        auto initial = load_gpt2_policy(test::fixture("gpt2_tiny_vhead"));
        double moved = 0;
        const auto params = initial->parameters();
        for (size_t i = 0; i < params.size(); ++i)
            moved = std::max(moved, (params[i] - one.weights[i]).abs().max().item<double>());
        EXPECT_GT(moved, 1e-4);

        const int port = test::free_loopback_port();
        const auto ranks = on_ranks<StepResult>(2, [&](int rank) { return step_on_rank(rank, 2, port, cfg); });
        for (int r = 0; r < 2; ++r) expect_same_update(one, ranks[static_cast<size_t>(r)], r);
    }
}

// With LoRA adapters: only adapters and value head have gradients to sum, and rank 0's
// freshly drawn adapters are every rank's.
TEST(DataParallel, TwoLoraRanksMakeTheUpdateOfOneLoraRank) {
    auto cfg = config(2);
    cfg.lora.r = 4;
    cfg.lora.targets = {"c_attn", "c_fc"};
    const StepResult one = step_on_rank(0, 1, 0, cfg);
    double moved = 0;
    for (size_t i = 0; i < one.names.size(); ++i)
        if (one.names[i].find("lora_B") != std::string::npos) moved = std::max(moved, one.weights[i].abs().max().item<double>());
    EXPECT_GT(moved, 1e-4);  // B started at zero
    const int port = test::free_loopback_port();
    const auto ranks = on_ranks<StepResult>(2, [&](int rank) { return step_on_rank(rank, 2, port, cfg); });
    for (int r = 0; r < 2; ++r) expect_same_update(one, ranks[static_cast<size_t>(r)], r);
}

TEST(DataParallel, AMiniBatchThatTheRanksCannotShareIsRefused) {
    test::use_one_torch_thread();
    const int port = test::free_loopback_port();
    const auto errors = on_ranks<std::string>(2, [&](int rank) -> std::string {
        auto dp = std::make_shared<DataParallel>(rank_params(rank, 2, port), "cpu");
        auto cfg = config(1);
        try {
            auto p = load_gpt2_policy(test::fixture("gpt2_tiny_vhead"));
            PpoTrainer trainer(p, frozen_copy(*p), cfg, 0, dp);
        } catch (const Error & e) {
            return e.what();
        }
        return "";
    });
    for (const auto & e : errors) EXPECT_NE(e.find("multiple of the 2 ranks"), std::string::npos) << e;
}
