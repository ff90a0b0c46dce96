// Generator behaviour on the default SmolLM2-135M-Instruct GGUF, and greedy
// parity with llama.cpp's own llama-simple built from the same pinned source.
#include "ragppo.h"
#include "support/paths.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace ragppo;

namespace {

GeneratorPtr load(ChatFormat format, int n_ctx = 1024) {
    GeneratorParams p;
    p.format = format;
    p.n_ctx = n_ctx;
    p.hub.offline = true;
    return generator_load(p);
}

std::string default_model_path() {
    HubParams h;
    h.offline = true;
    return hub_resolve_gguf(default_llm_id(), h).local;
}

SamplingParams greedy(int n) {
    SamplingParams s;
    s.temperature = 0;
    s.max_new_tokens = n;
    return s;
}

}  // namespace

TEST(Generator, GreedyOutputEqualsLlamaSimple) {
    const std::vector<std::string> prompts{
        "The best way to cook rice is",
        "Ingredients for a classic pancake batter:",
        "Once upon a time, in a small village by the sea,",
    };
    auto g = load(ChatFormat::Raw);
    const int n = 32;
    for (const auto & prompt : prompts) {
        const Generation ours = generate(*g, prompt, greedy(n));
        const auto ref = test::run_command(test::bin("llama-simple") + " -m " + test::shell_quote(default_model_path()) +
                                           " -n " + std::to_string(n) + " " + test::shell_quote(prompt));
        ASSERT_EQ(ref.exit_code, 0) << ref.err;
        // llama-simple echoes the prompt, then the continuation, then a newline.
        ASSERT_GE(ref.out.size(), ours.text.size() + 1);
        const std::string ref_continuation = ref.out.substr(ref.out.size() - ours.text.size() - 1, ours.text.size());
        EXPECT_EQ(ours.text, ref_continuation) << "prompt: " << prompt << "\nllama-simple: " << ref.out;
        EXPECT_FALSE(ours.text.empty());
    }
}

TEST(Generator, ChatTemplateStopsAtEndOfTurnWithoutLeakingSpecialTokens) {
    auto g = load(ChatFormat::Template);
    const std::string formatted = generator_format(*g, "What is 2+2?");
    EXPECT_NE(formatted.find("<|im_start|>user"), std::string::npos) << formatted;
    EXPECT_NE(formatted.find("<|im_start|>assistant"), std::string::npos) << formatted;
    const Generation r = generate(*g, "What is 2+2? Answer in one short sentence.", greedy(200));
    EXPECT_EQ(r.stop, StopReason::EndOfTurn) << r.text;
    EXPECT_LT(r.completion_tokens, 200);
    EXPECT_EQ(r.text.find("<|"), std::string::npos) << r.text;
    EXPECT_FALSE(r.text.empty());
}

TEST(Generator, Phi3WrapperIsExactlyTheReferenceOne) {
    auto g = load(ChatFormat::Phi3);
    EXPECT_EQ(generator_format(*g, "How do I make soup?"), "<|user|>\nHow do I make soup? <|end|>\n<|assistant|>");
}

TEST(Generator, StreamingPiecesConcatenateToTheText) {
    auto g = load(ChatFormat::Template);
    SamplingParams s;  // the reference sampling: temperature 0.7
    s.max_new_tokens = 40;
    std::string streamed;
    const Generation r = generate(*g, "Name three spices.", s, [&](const std::string & p) { streamed += p; });
    EXPECT_EQ(streamed, r.text);
    EXPECT_EQ(r.prompt_tokens > 0, true);
}

TEST(Generator, SameSeedSameOutputDifferentSeedsDiffer) {
    auto g = load(ChatFormat::Template);
    SamplingParams s;
    s.temperature = 1.0f;
    s.max_new_tokens = 24;
    s.seed = 7;
    const std::string a = generate(*g, "Describe a pizza.", s).text;
    const std::string b = generate(*g, "Describe a pizza.", s).text;
    EXPECT_EQ(a, b);
    bool any_differs = false;
    for (uint32_t seed : {8u, 9u, 10u}) {
        s.seed = seed;
        any_differs |= generate(*g, "Describe a pizza.", s).text != a;
    }
    EXPECT_TRUE(any_differs);
}

TEST(Generator, MaxTokensIsReportedAsTheStopReason) {
    auto g = load(ChatFormat::Raw);
    const Generation r = generate(*g, "Count: 1, 2, 3,", greedy(5));
    EXPECT_EQ(r.stop, StopReason::MaxTokens);
    EXPECT_EQ(r.completion_tokens, 5);
}

// A stop sequence ends the text before it and stops decoding there, streamed
// pieces included; without it the same greedy run goes on.
TEST(Generator, StopSequenceEndsTextAndDecoding) {
    auto g = load(ChatFormat::Raw);
    const Generation full = generate(*g, "Count: 1, 2, 3,", greedy(24));
    ASSERT_EQ(full.stop, StopReason::MaxTokens);
    // A stop sequence that first appears a few tokens in (spanning a token boundary is fine).
    const size_t at = full.text.find(' ', full.text.size() / 3);
    ASSERT_NE(at, std::string::npos) << full.text;
    auto s = greedy(24);
    s.stop = {"never appears \x01", full.text.substr(at, 3)};
    std::string streamed;
    const Generation cut = generate(*g, "Count: 1, 2, 3,", s, [&](const std::string & p) { streamed += p; });
    EXPECT_EQ(cut.stop, StopReason::StopSequence);
    EXPECT_STREQ(stop_reason_name(cut.stop), "stop_sequence");
    EXPECT_EQ(cut.text, full.text.substr(0, full.text.find(full.text.substr(at, 3))));
    EXPECT_EQ(streamed, cut.text);
    EXPECT_LT(cut.completion_tokens, full.completion_tokens);  // decoding stopped, not just the text
    // An empty stop string matches nothing (it would match everywhere).
    s.stop = {""};
    EXPECT_EQ(generate(*g, "Count: 1, 2, 3,", s).text, full.text);
}

TEST(Generator, PromptThatDoesNotFitTheContextIsAClearError) {
    auto g = load(ChatFormat::Raw, 128);
    std::string big;
    for (int i = 0; i < 200; ++i) big += "tomato ";
    try {
        generate(*g, big, greedy(16));
        FAIL() << "expected an error";
    } catch (const Error & e) {
        EXPECT_NE(std::string(e.what()).find("exceeds the context window of 128"), std::string::npos) << e.what();
    }
    EXPECT_GT(generator_count_tokens(*g, big), 128);
}

TEST(ModelLoading, MissingNonGgufAndTruncatedFilesAreClearErrors) {
    const std::string dir = test::make_temp_dir("ragppo_badmodel_");
    GeneratorParams p;
    p.format = ChatFormat::Raw;
    p.hub.offline = true;

    p.model = dir + "/missing.gguf";
    EXPECT_THROW(generator_load(p), Error);

    p.model = dir + "/text.gguf";
    std::ofstream(p.model) << "this is not a model";
    try {
        generator_load(p);
        FAIL();
    } catch (const Error & e) {
        EXPECT_NE(std::string(e.what()).find("not a GGUF"), std::string::npos) << e.what();
    }

    p.model = dir + "/truncated.gguf";
    {
        std::ifstream src(default_model_path(), std::ios::binary);
        std::vector<char> head(1 << 20);
        src.read(head.data(), head.size());
        std::ofstream(p.model, std::ios::binary).write(head.data(), head.size());
    }
    try {
        generator_load(p);
        FAIL();
    } catch (const Error & e) {
        EXPECT_NE(std::string(e.what()).find("failed to load"), std::string::npos) << e.what();
    }
}
