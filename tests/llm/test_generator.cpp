// Generator behaviour on the default SmolLM2-135M-Instruct GGUF, and greedy
// parity with llama.cpp's own llama-simple built from the same pinned source.
#include "ragppo.h"
#include "support/paths.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

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

// Share of distinct words: 1 when no word repeats.
double distinct_word_share(const std::string & text) {
    std::istringstream in(text);
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    if (words.empty()) return 0;
    std::sort(words.begin(), words.end());
    return static_cast<double>(std::unique(words.begin(), words.end()) - words.begin()) / static_cast<double>(words.size());
}

TEST(Generator, PenaltiesMakeAGreedyLoopRepeatLess) {
    auto g = load(ChatFormat::Raw);
    const std::string prompt = "Stir. Stir. Stir. Stir. Stir.";
    const Generation plain = generate(*g, prompt, greedy(40));
    for (const auto & [repeat, presence] : {std::pair{1.5f, 0.0f}, std::pair{1.0f, 1.5f}}) {
        auto s = greedy(40);
        s.repeat_penalty = repeat;
        s.presence_penalty = presence;
        const Generation p = generate(*g, prompt, s);
        EXPECT_NE(p.text, plain.text) << "repeat " << repeat << " presence " << presence;
        EXPECT_GT(distinct_word_share(p.text), distinct_word_share(plain.text))
            << "plain: " << plain.text << "\npenalised: " << p.text;
        s.penalty_last_n = 0;  // a window of no tokens: penalties off
        EXPECT_EQ(generate(*g, prompt, s).text, plain.text);
    }
}

TEST(Generator, MinPOfOneKeepsOnlyTheMostLikelyToken) {
    auto g = load(ChatFormat::Raw);
    SamplingParams s;
    s.temperature = 1.0f;
    s.top_k = 0;
    s.min_p = 1.0f;
    s.max_new_tokens = 24;
    EXPECT_EQ(generate(*g, "Count: 1, 2, 3,", s).text, generate(*g, "Count: 1, 2, 3,", greedy(24)).text);
}

TEST(Generator, OutOfRangePenaltiesAreClearErrors) {
    auto g = load(ChatFormat::Raw);
    auto expect_error = [&](SamplingParams s, const std::string & says) {
        try {
            generate(*g, "Hi", s);
            ADD_FAILURE() << "expected an error naming " << says;
        } catch (const Error & e) {
            EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
        }
    };
    auto s = greedy(4);
    s.repeat_penalty = 0;
    expect_error(s, "repeat_penalty");
    s = greedy(4);
    s.min_p = 1.5f;
    expect_error(s, "min_p");
    s = greedy(4);
    s.penalty_last_n = -1;
    expect_error(s, "penalty_last_n");
    s = greedy(4);
    s.presence_penalty = std::nanf("");
    expect_error(s, "presence_penalty");
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

// The reference's sampling for every model; the embedded 135M default decodes greedily
// with the repetition penalty chosen with eval-answers (docs/MODELS.md).
TEST(SamplingDefaults, EmbeddedDefaultLlmIsGreedyWithARepetitionPenaltyOthersTheReference) {
    for (const std::string & model : {std::string(), default_llm_id()}) {
        const SamplingParams s = default_sampling(model);
        EXPECT_FLOAT_EQ(s.repeat_penalty, 1.1f) << model;
        EXPECT_FLOAT_EQ(s.temperature, 0.0f);
        EXPECT_EQ(s.top_k, 50);
    }
    const SamplingParams other = default_sampling("microsoft/Phi-3-mini-4k-instruct-gguf");
    EXPECT_FLOAT_EQ(other.temperature, 0.7f);
    EXPECT_EQ(other.top_k, 50);
    EXPECT_FLOAT_EQ(other.repeat_penalty, 1.0f);
    EXPECT_FLOAT_EQ(other.presence_penalty, 0.0f);
    EXPECT_FLOAT_EQ(other.frequency_penalty, 0.0f);
    EXPECT_FLOAT_EQ(other.min_p, 0.0f);
}
