// Compact/refine synthesis: packing arithmetic with a word counter, and the real
// default LLM answering from one pack or refining across several.
#include "support/files.h"
#include "rag/packing.h"
#include "rag/prompts.h"
#include "rag/synthesizer.h"

#include <gtest/gtest.h>

#include <sstream>

using namespace ragppo;

namespace {

int words(const std::string & s) { return test::count_words(s); }

std::string n_words(int n, const std::string & w) {
    std::string s;
    for (int i = 0; i < n; ++i) s += (i ? " " : "") + w;
    return s;
}

GeneratorPtr load(int n_ctx) {
    GeneratorParams p;
    p.n_ctx = n_ctx;
    p.hub.offline = true;
    return generator_load(p);
}

}  // namespace

TEST(Packing, WholeChunksInRankOrderUpToTheBudget) {
    const auto packs = rag::pack_chunks({n_words(10, "a"), n_words(10, "b"), n_words(10, "c")}, 25, words);
    ASSERT_EQ(packs.size(), 2u);
    EXPECT_EQ(packs[0], n_words(10, "a") + "\n\n" + n_words(10, "b"));
    EXPECT_EQ(packs[1], n_words(10, "c"));
}

TEST(Packing, OversizedChunkIsCutAtWordsWithinBudget) {
    const auto packs = rag::pack_chunks({n_words(55, "x")}, 20, words);
    ASSERT_EQ(packs.size(), 3u);
    for (const auto & p : packs) EXPECT_LE(words(p), 20);
    EXPECT_EQ(words(packs[0]) + words(packs[1]) + words(packs[2]), 55);
}

TEST(Packing, NoRoomIsAClearError) {
    EXPECT_THROW(rag::pack_chunks({"a"}, 0, words), Error);
}

TEST(Prompts, QaPromptCarriesContextInstructionQueryAndCue) {
    const std::string p = rag::qa_prompt("CTX", "How do I make soup?");
    const auto ctx = p.find("CTX"), instr = p.find("not what you knew before"), q = p.find("How do I make soup?"),
               cue = p.rfind("Answer: ");
    ASSERT_NE(ctx, std::string::npos);
    ASSERT_NE(instr, std::string::npos);
    ASSERT_NE(q, std::string::npos);
    EXPECT_LT(ctx, instr);
    EXPECT_LT(instr, q);
    EXPECT_LT(q, cue);
    EXPECT_EQ(cue + 8, p.size());
}

TEST(Synthesizer, AllChunksInOnePromptWhenTheyFit) {
    auto g = load(2048);
    SamplingParams s;
    s.temperature = 0;
    s.max_new_tokens = 32;
    const std::vector<std::string> chunks{"Pancakes \n\n flour, milk, eggs \n\n whisk, fry in butter",
                                          "Crepes \n\n flour, milk, eggs \n\n thin batter, hot pan"};
    std::string streamed;
    const auto r = rag::synthesize(*g, "How do I make pancakes?", chunks, rag::ResponseMode::Compact, s,
                                   [&](const std::string & t) { streamed += t; });
    EXPECT_EQ(r.llm_calls, 1);
    EXPECT_EQ(streamed, r.answer);
    EXPECT_GT(r.prompt_tokens, 40);
}

TEST(Synthesizer, RefinesAcrossPacksWhenTheContextWindowIsSmall) {
    auto g = load(512);
    SamplingParams s;
    s.temperature = 0;
    s.max_new_tokens = 32;
    std::vector<std::string> chunks;
    for (int i = 0; i < 3; ++i) chunks.push_back(n_words(150, "stir"));  // ~150+ tokens each
    const auto compact = rag::synthesize(*g, "How long do I stir?", chunks, rag::ResponseMode::Compact, s);
    EXPECT_GE(compact.llm_calls, 2);
    const auto refine = rag::synthesize(*g, "How long do I stir?", chunks, rag::ResponseMode::Refine, s);
    EXPECT_EQ(refine.llm_calls, 3);
    EXPECT_GT(refine.prompt_tokens, compact.prompt_tokens / 2);
}
