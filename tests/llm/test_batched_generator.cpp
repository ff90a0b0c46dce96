// generator_load_batched and llm/batch_engine.h: generations decode together as
// sequences of one llama.cpp context. On the default SmolLM2-135M GGUF: each
// concurrent generation is the one a lone generator makes, the engine really puts
// several sequences in one decode step, more callers than sequences wait their turn,
// a prompt evaluates only what its sequence does not hold already, and one caller's
// failure or cancellation ends only its own generation.
#include "llm/batch_engine.h"
#include "llm/llama_runtime.h"
#include "ragppo.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

using namespace ragppo;

namespace {

GeneratorParams params(int n_ctx = 512) {
    GeneratorParams p;
    p.format = ChatFormat::Raw;
    p.n_ctx = n_ctx;
    p.n_threads = 2;
    p.hub.offline = true;
    return p;
}

SamplingParams greedy(int n) {
    SamplingParams s;
    s.temperature = 0;
    s.max_new_tokens = n;
    return s;
}

const std::vector<std::string> & prompts() {
    static const std::vector<std::string> p{
        "The best way to cook rice is",
        "Ingredients for a classic pancake batter:",
        "Once upon a time, in a small village by the sea,",
        "To make a simple tomato sauce, first",
        "A good omelette needs",
    };
    return p;
}

// The embedded default LLM, for tests that drive the engine itself.
llm::ModelPtr default_model() {
    HubParams h;
    h.offline = true;
    return llm::load_gguf(hub_resolve_gguf(default_llm_id(), h).local);
}

// What one generator alone makes of each prompt.
const std::vector<Generation> & alone() {
    static const std::vector<Generation> out = [] {
        auto g = generator_load(params());
        std::vector<Generation> r;
        for (const auto & p : prompts()) r.push_back(generate(*g, p, greedy(24)));
        return r;
    }();
    return out;
}

}  // namespace

// Five callers on three sequences at once: every answer is the lone generator's (the
// sequences never see each other's cells), and the two that waited ran after a free.
TEST(BatchedGenerator, ConcurrentGenerationsEqualThoseOfALoneGenerator) {
    const auto & expected = alone();
    auto handles = generator_load_batched(params(), 3);
    ASSERT_EQ(handles.size(), 3u);
    EXPECT_EQ(generator_n_ctx(*handles[0]), 512);
    std::vector<std::future<Generation>> runs;
    std::vector<std::string> streamed(prompts().size());
    std::mutex handle_mu[3];
    for (size_t i = 0; i < prompts().size(); ++i)
        runs.push_back(std::async(std::launch::async, [&, i] {
            std::lock_guard<std::mutex> lock(handle_mu[i % 3]);  // a handle serves one thread at a time
            return generate(*handles[i % 3], prompts()[i], greedy(24),
                            [&, i](const std::string & piece) { streamed[i] += piece; });
        }));
    for (size_t i = 0; i < runs.size(); ++i) {
        const Generation g = runs[i].get();
        EXPECT_EQ(g.text, expected[i].text) << prompts()[i];
        EXPECT_EQ(streamed[i], g.text);
        EXPECT_EQ(g.completion_tokens, expected[i].completion_tokens);
        EXPECT_EQ(g.prompt_tokens, expected[i].prompt_tokens);
        EXPECT_EQ(g.stop, expected[i].stop);
        EXPECT_FALSE(g.text.empty());
    }
}

// The engine itself, with more callers than sequences: seven threads on two sequences.
// Every caller gets the lone generator's text, the steps held two sequences at once
// (batching happened), and fewer decode steps ran than tokens were evaluated.
TEST(BatchedGenerator, TheEngineBatchesSequencesAndQueuesTheRest) {
    const auto & expected = alone();
    auto model = default_model();
    const llama_vocab * vocab = llama_model_get_vocab(model.get());
    llm::BatchEngine engine(model.get(), 2, 512, 2);
    std::vector<std::future<Generation>> runs;
    std::vector<std::vector<llama_token>> tokens;
    for (int i = 0; i < 7; ++i) tokens.push_back(llm::tokenize(vocab, prompts()[i % 5], true, true));
    for (int i = 0; i < 7; ++i)
        runs.push_back(std::async(std::launch::async, [&, i] { return engine.run(tokens[i], greedy(24), {}); }));
    for (int i = 0; i < 7; ++i) EXPECT_EQ(runs[i].get().text, expected[i % 5].text) << i;
    const auto st = engine.stats();
    EXPECT_EQ(st.most_sequences_in_a_step, 2);
    EXPECT_LT(st.steps, st.tokens);
    std::cout << st.steps << " decode steps for " << st.tokens << " tokens\n";
}

// What a finished sequence leaves (its cells, kept for a prompt that shares their
// start) never changes a later text: the same prompt again, on either handle, gives
// the same text, greedy or seeded.
TEST(BatchedGenerator, WhatAFinishedSequenceLeavesNeverChangesTheNextText) {
    auto handles = generator_load_batched(params(), 2);
    const auto first = generate(*handles[0], prompts()[0], greedy(16)).text;
    EXPECT_EQ(generate(*handles[0], prompts()[0], greedy(16)).text, first);
    EXPECT_EQ(generate(*handles[1], prompts()[0], greedy(16)).text, first);
    SamplingParams seeded = greedy(16);
    seeded.temperature = 0.8f;
    seeded.seed = 7;
    EXPECT_EQ(generate(*handles[1], prompts()[1], seeded).text, generate(*handles[0], prompts()[1], seeded).text);
}

// A finished sequence keeps its cells, and the next prompt on it evaluates only what
// differs (llama-server's prompt cache): the shared start is counted as cached, fewer
// tokens are decoded, and the text is what a lone generator makes of that prompt.
TEST(BatchedGenerator, APromptSharingItsStartWithTheLastOneEvaluatesOnlyTheRest) {
    const auto & expected = alone();
    auto model = default_model();
    const llama_vocab * vocab = llama_model_get_vocab(model.get());
    llm::BatchEngine engine(model.get(), 1, 512, 2);
    // Prompts 0 and 4 share nothing but BOS; "The best way to cook rice is" and
    // "The best way to cook pasta is" share their first tokens.
    const auto rice = llm::tokenize(vocab, prompts()[0], true, true);
    const std::string pasta_text = "The best way to cook pasta is";
    const auto pasta = llm::tokenize(vocab, pasta_text, true, true);
    size_t shared = 0;
    while (shared < rice.size() && shared < pasta.size() && rice[shared] == pasta[shared]) ++shared;
    ASSERT_GE(shared, 4u);
    ASSERT_LT(shared, pasta.size());

    const Generation first = engine.run(rice, greedy(24), {});
    EXPECT_EQ(first.cached_prompt_tokens, 0);
    EXPECT_EQ(first.text, expected[0].text);

    const auto before = engine.stats();
    const Generation second = engine.run(pasta, greedy(24), {});
    const auto after = engine.stats();
    EXPECT_EQ(second.cached_prompt_tokens, static_cast<int>(shared));
    EXPECT_EQ(after.prompt_tokens_reused - before.prompt_tokens_reused, shared);
    // Its first step evaluated only the prompt's unshared tokens, then one token a step
    // (the last one sampled is never evaluated, and an end-of-turn token is not counted).
    const size_t evaluated_generated = static_cast<size_t>(second.completion_tokens) - (second.stop == StopReason::EndOfTurn ? 0 : 1);
    EXPECT_EQ(after.tokens - before.tokens, pasta.size() - shared + evaluated_generated);
    auto lone = generator_load(params());
    EXPECT_EQ(second.text, generate(*lone, pasta_text, greedy(24)).text);

    // The same prompt again: all but its last token are kept (that one is evaluated
    // for its logits), and the text is unchanged.
    const Generation again = engine.run(pasta, greedy(24), {});
    EXPECT_EQ(again.cached_prompt_tokens, static_cast<int>(pasta.size()) - 1);
    EXPECT_EQ(again.text, second.text);
    // A prompt that shares only BOS drops the kept cells and still makes the lone text.
    const Generation other = engine.run(llm::tokenize(vocab, prompts()[4], true, true), greedy(24), {});
    EXPECT_LE(other.cached_prompt_tokens, 1);
    EXPECT_EQ(other.text, expected[4].text);
    // An empty prompt has no last token to take logits from: refused, not sampled from
    // another sequence's logits.
    EXPECT_THROW(engine.run({}, greedy(4), {}), Error);
}

// A caller whose stream callback throws (a client that went away) gets its exception;
// the generation running beside it finishes unchanged.
TEST(BatchedGenerator, OneCallersFailureEndsOnlyItsOwnGeneration) {
    const auto & expected = alone();
    auto handles = generator_load_batched(params(), 2);
    struct Gone {};
    std::atomic<int> pieces{0};
    auto quitter = std::async(std::launch::async, [&] {
        return generate(*handles[0], prompts()[2], greedy(24), [&](const std::string &) {
            if (++pieces == 3) throw Gone{};
        });
    });
    auto stayer = std::async(std::launch::async, [&] { return generate(*handles[1], prompts()[1], greedy(24)); });
    EXPECT_THROW(quitter.get(), Gone);
    EXPECT_EQ(stayer.get().text, expected[1].text);
    // Its sequence is free again and clean.
    EXPECT_EQ(generate(*handles[0], prompts()[2], greedy(24)).text, expected[2].text);
}

// Each generation is checked against its own -c, not the context's total.
TEST(BatchedGenerator, EachGenerationHasTheContextItWasGiven) {
    auto handles = generator_load_batched(params(128), 4);
    EXPECT_EQ(generator_n_ctx(*handles[0]), 128);
    std::string big;
    for (int i = 0; i < 150; ++i) big += "tomato ";  // fits the 4 x 128 cells, not 128
    ASSERT_GT(generator_count_tokens(*handles[0], big) + 8, 128);
    ASSERT_LT(generator_count_tokens(*handles[0], big) + 8, 4 * 128);
    try {
        generate(*handles[1], big, greedy(8));
        FAIL() << "expected an error";
    } catch (const Error & e) {
        EXPECT_NE(std::string(e.what()).find("exceeds the context window of 128"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(generate(*handles[1], prompts()[0], greedy(8)).text.empty());  // and the handle still works
    EXPECT_THROW(generator_load_batched(params(), 0), Error);
}
