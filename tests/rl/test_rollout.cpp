// The batched rollout: greedy decoding with padding + KV cache equals decoding
// each query alone with full forwards (and transformers' generate()), seeds
// reproduce samples, EOS stops a sequence (not below min_new_tokens), the length limit sets `truncated`,
// and the logits warpers behave as transformers' do.
#include "gpt2_fixtures.h"
#include "ragppo.h"
#include "rl/gpt2_load.h"
#include "rl/rollout.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

using namespace ragppo;
using namespace ragppo::rl;

namespace {

Gpt2Policy tiny_policy() {
    test::use_one_torch_thread();
    static Gpt2Policy policy = load_gpt2_policy(test::fixture("gpt2_tiny"));
    return policy;
}

// Queries of different lengths, so the batch is left-padded.
const std::vector<std::vector<int32_t>> kQueries = {
    {848, 487, 301, 544, 358}, {979, 442, 515, 960, 511, 250, 521, 199, 395}, {565, 663}, {17}};

// Greedy decoding the slow, obviously right way: one query alone, a full
// forward over query + response for every new token, no padding, no cache.
RolloutSequence greedy_by_full_forwards(Gpt2PolicyImpl & policy, const std::vector<int32_t> & query,
                                        int64_t max_new_tokens, int64_t eos_id) {
    torch::NoGradGuard no_grad;
    RolloutSequence seq;
    std::vector<int64_t> ids(query.begin(), query.end());
    for (int64_t step = 0; step < max_new_tokens; ++step) {
        const auto logits = policy.forward(torch::tensor(ids, torch::kInt64).unsqueeze(0)).logits[0][-1];
        const int64_t token = logits.argmax().item<int64_t>();
        seq.response.push_back(static_cast<int32_t>(token));
        seq.logprobs.push_back(logits.log_softmax(-1)[token].item<float>());
        ids.push_back(token);
        if (token == eos_id) return seq;
    }
    seq.truncated = true;
    return seq;
}

// A token id that none of the sequences contains: an EOS that never comes.
int64_t unused_id(const std::vector<RolloutSequence> & seqs) {
    std::set<int32_t> seen;
    for (const auto & s : seqs) seen.insert(s.response.begin(), s.response.end());
    int32_t id = 0;
    while (seen.count(id)) ++id;
    return id;
}

RolloutParams greedy(int64_t max_new_tokens, int64_t eos_id) {
    RolloutParams p;
    p.sampler.greedy = true;
    p.max_new_tokens = max_new_tokens;
    p.eos_id = eos_id;
    p.pad_id = 3;
    p.return_logprobs = true;
    return p;
}

std::vector<RolloutSequence> run(const std::vector<std::vector<int32_t>> & queries, const RolloutParams & p,
                                 uint64_t seed = 0) {
    auto rng = make_cpu_generator(seed);
    return rollout(*tiny_policy(), queries, p, rng);
}

}  // namespace

TEST(Rollout, GreedyBatchEqualsFullForwardDecodingAlone) {
    // 999 is the tiny model's EOS; whether or not it comes up, both sides must agree.
    const auto params = greedy(12, 999);
    const auto batched = run(kQueries, params);
    ASSERT_EQ(batched.size(), kQueries.size());
    double worst = 0;
    for (size_t i = 0; i < kQueries.size(); ++i) {
        const auto alone = greedy_by_full_forwards(*tiny_policy(), kQueries[i], params.max_new_tokens, params.eos_id);
        EXPECT_EQ(batched[i].response, alone.response) << "query " << i;
        EXPECT_EQ(batched[i].truncated, alone.truncated) << "query " << i;
        ASSERT_EQ(batched[i].logprobs.size(), alone.logprobs.size());
        for (size_t t = 0; t < alone.logprobs.size(); ++t)
            worst = std::max(worst, double(std::abs(batched[i].logprobs[t] - alone.logprobs[t])));
    }
    std::cout << "max |logprob batched+cache - full forward alone|: " << worst << "\n";
    EXPECT_LT(worst, 1e-5);
}

TEST(Rollout, GreedyMatchesTransformersGenerate) {
    const auto & cases = test::gpt2_tiny_cases()["greedy"];
    std::vector<std::vector<int32_t>> queries;
    std::vector<std::vector<int32_t>> expected;
    for (const auto & c : cases) {
        queries.push_back(c["query"].get<std::vector<int32_t>>());
        expected.push_back(c["new_tokens"].get<std::vector<int32_t>>());
    }
    std::vector<RolloutSequence> as_seqs;
    for (const auto & e : expected) as_seqs.push_back({e, false, {}});
    const auto out = run(queries, greedy(static_cast<int64_t>(expected[0].size()), unused_id(as_seqs)));
    for (size_t i = 0; i < queries.size(); ++i) {
        EXPECT_EQ(out[i].response, expected[i]) << "query " << i;
        EXPECT_TRUE(out[i].truncated);
    }
}

TEST(Rollout, SameSeedSameSamples) {
    RolloutParams p;  // pure ancestral sampling
    p.max_new_tokens = 16;
    p.eos_id = 999;
    const auto a = run(kQueries, p, 123), b = run(kQueries, p, 123), c = run(kQueries, p, 124);
    bool any_difference = false;
    for (size_t i = 0; i < kQueries.size(); ++i) {
        EXPECT_EQ(a[i].response, b[i].response) << "query " << i;
        any_difference |= a[i].response != c[i].response;
    }
    EXPECT_TRUE(any_difference) << "another seed should sample something else";
}

TEST(Rollout, EosStopsASequence) {
    const auto free_run = run(kQueries, greedy(10, 999));
    auto no_eos = greedy(10, unused_id(free_run));
    const auto reference = run(kQueries, no_eos);

    // Make a token that query 1 first generates at step >= 1 the EOS: query 1
    // must stop right there, every other sequence at its own first occurrence.
    const auto & r1 = reference[1].response;
    size_t stop = 1;
    while (stop < r1.size() && std::find(r1.begin(), r1.begin() + stop, r1[stop]) != r1.begin() + stop) ++stop;
    ASSERT_LT(stop, r1.size()) << "query 1's greedy response repeats one token; pick another query";
    const int32_t eos = r1[stop];
    const auto out = run(kQueries, greedy(10, eos));
    for (size_t i = 0; i < kQueries.size(); ++i) {
        const auto & full = reference[i].response;
        const auto first = std::find(full.begin(), full.end(), eos);
        const std::vector<int32_t> expected(full.begin(), first == full.end() ? full.end() : first + 1);
        EXPECT_EQ(out[i].response, expected) << "query " << i;
        EXPECT_EQ(out[i].truncated, first == full.end()) << "query " << i;
    }
    EXPECT_EQ(out[1].response.size(), stop + 1);
    EXPECT_EQ(out[1].response.back(), eos);
    EXPECT_FALSE(out[1].truncated);
}

TEST(Rollout, TruncatedAtTheLengthLimit) {
    const auto free_run = run(kQueries, greedy(4, 999));
    const auto out = run(kQueries, greedy(4, unused_id(free_run)));
    for (const auto & s : out) {
        EXPECT_EQ(s.response.size(), 4u);
        EXPECT_TRUE(s.truncated);
        EXPECT_EQ(s.logprobs.size(), 4u);
    }
}

TEST(Rollout, MinNewTokensKeepsEosOut) {
    // The EOS is the token query 0's greedy decoding picks first: without a
    // minimum, query 0 stops after one token.
    const auto free_run = run(kQueries, greedy(6, 999));
    const int32_t eos = free_run[0].response[0];
    ASSERT_EQ(run(kQueries, greedy(6, eos))[0].response.size(), 1u);

    auto p = greedy(6, eos);
    p.min_new_tokens = 6;
    const auto out = run(kQueries, p);
    for (size_t i = 0; i < kQueries.size(); ++i) {
        EXPECT_EQ(out[i].response.size(), 6u) << "query " << i;
        EXPECT_TRUE(out[i].truncated) << "query " << i;
        EXPECT_EQ(std::count(out[i].response.begin(), out[i].response.end(), eos), 0) << "query " << i;
    }
    // Query 0's first token is now its second most likely one, and its
    // log-prob is still that of the unmasked distribution (below EOS's).
    EXPECT_NE(out[0].response[0], eos);
    EXPECT_LT(out[0].logprobs[0], free_run[0].logprobs[0]);
}

TEST(Rollout, RestoresTrainModeAndRefusesBadQueries) {
    auto policy = tiny_policy();
    policy->train();
    auto rng = make_cpu_generator(0);
    rollout(*policy, kQueries, greedy(2, 999), rng);
    EXPECT_TRUE(policy->is_training());
    policy->eval();

    RolloutParams p;
    p.eos_id = 999;
    p.max_new_tokens = 2;
    EXPECT_THROW(rollout(*policy, {{}}, p, rng), Error);
    EXPECT_THROW(rollout(*policy, {{1000}}, p, rng), Error);  // vocabulary is 1000
    p.max_new_tokens = 60;
    EXPECT_THROW(rollout(*policy, {std::vector<int32_t>(5, 1)}, p, rng), Error);  // 5 + 60 > 64 positions
}

TEST(Sampling, WarpersFollowTransformers) {
    // probabilities 0.5, 0.3, 0.2 (as logits), in a scrambled order
    const auto logits = torch::tensor({{std::log(0.3), std::log(0.5), std::log(0.2)}});
    const auto kept = [&](const SamplerParams & p) { return warp_logits(logits, p).isfinite()[0]; };
    SamplerParams top_k;
    top_k.top_k = 2;
    EXPECT_TRUE(torch::equal(kept(top_k), torch::tensor({true, true, false})));
    SamplerParams top_p;
    top_p.top_p = 0.7;  // 0.5 alone is short of 0.7; 0.5 + 0.3 reaches it
    EXPECT_TRUE(torch::equal(kept(top_p), torch::tensor({true, true, false})));
    top_p.top_p = 0.1;  // the most likely token always stays
    EXPECT_TRUE(torch::equal(kept(top_p), torch::tensor({false, true, false})));
    SamplerParams hot;
    hot.temperature = 2.0;
    EXPECT_TRUE(torch::allclose(warp_logits(logits, hot), logits / 2.0));
}

TEST(Sampling, TopKOfOneIsGreedy) {
    test::use_one_torch_thread();
    auto rng = make_cpu_generator(7);
    const auto logits = torch::randn({5, 50}, torch::kFloat32);
    SamplerParams one;
    one.top_k = 1;
    EXPECT_TRUE(torch::equal(pick_next_tokens(logits, one, rng), logits.argmax(-1)));
}
