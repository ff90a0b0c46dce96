// Embedder parity with sentence-transformers / HF tokenizers on the same weights
// (fixtures from scripts/fixtures/fx_minilm.py), plus behaviour checks.
#include "embed/pooling.h"
#include "ragppo.h"
#include "support/paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

using namespace ragppo;

namespace {

struct Fixture {
    int max_len = 0;
    std::vector<std::string> texts;
    std::vector<std::vector<int32_t>> ids;
    std::vector<std::vector<float>> vectors;
};

Fixture load_fixture() {
    std::ifstream in(test::fixture("minilm_parity.json"));
    EXPECT_TRUE(in.good()) << "fixture missing: run the make_reference_fixtures test first";
    auto j = nlohmann::json::parse(in);
    Fixture f;
    f.max_len = j["max_seq_length"];
    for (const auto & it : j["items"]) {
        f.texts.push_back(it["text"]);
        f.ids.push_back(it["ids"].get<std::vector<int32_t>>());
        f.vectors.push_back(it["vector"].get<std::vector<float>>());
    }
    return f;
}

EmbedderPtr load_default(int max_tokens = 0) {
    EmbedderParams p;
    p.max_tokens = max_tokens;
    p.hub.offline = true;
    return embedder_load(p);
}

}  // namespace

TEST(Embedder, TokenIdsMatchHuggingFaceTokenizer) {
    const Fixture f = load_fixture();
    ASSERT_GE(f.texts.size(), 30u);
    auto e = load_default(f.max_len);
    int mismatches = 0;
    for (size_t i = 0; i < f.texts.size(); ++i) {
        const auto ours = embedder_tokenize(*e, f.texts[i]);
        EXPECT_EQ(ours, f.ids[i]) << "text #" << i << ": " << f.texts[i];
        mismatches += ours != f.ids[i];
    }
    EXPECT_EQ(mismatches, 0);
}

TEST(Embedder, VectorsMatchSentenceTransformers) {
    const Fixture f = load_fixture();
    auto e = load_default(f.max_len);
    ASSERT_EQ(embedder_dim(*e), 384);
    EXPECT_EQ(embedder_pooling(*e), Pooling::Mean);  // all-MiniLM-L6-v2 pools by mean
    const auto v = embed_documents(*e, f.texts);
    double worst = 1.0;
    for (size_t i = 0; i < f.texts.size(); ++i) {
        const double c = embed::cosine(&v[i * 384], f.vectors[i].data(), 384);
        EXPECT_GE(c, 0.999) << "text #" << i << ": " << f.texts[i];
        worst = std::min(worst, c);
    }
    RecordProperty("worst_cosine", std::to_string(worst));
}

TEST(Embedder, VectorsAreUnitLengthAndIndependentOfBatching) {
    auto e = load_default();
    const std::vector<std::string> texts{"boil pasta in salted water", "a long list: " + std::string(300, 'x'),
                                         "fry onions", "bake bread at 220 degrees"};
    const auto together = embed_documents(*e, texts);
    for (size_t i = 0; i < texts.size(); ++i) {
        const auto alone = embed_documents(*e, {texts[i]});
        double norm = 0;
        for (int j = 0; j < 384; ++j) norm += double(alone[j]) * alone[j];
        EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-5);
        EXPECT_GE(embed::cosine(alone.data(), &together[i * 384], 384), 0.99999) << texts[i];
    }
}

TEST(Embedder, QueryInstructionIsPrefixedToQueriesOnly) {
    EmbedderParams p;
    p.hub.offline = true;
    p.query_instruction = "Represent this question for searching relevant passages: ";
    auto e = embedder_load(p);
    const std::string q = "How do I make pancakes?";
    const auto as_query = embed_queries(*e, {q});
    const auto as_doc = embed_documents(*e, {q});
    const auto prefixed = embed_documents(*e, {p.query_instruction + q});
    EXPECT_LT(embed::cosine(as_query.data(), as_doc.data(), 384), 0.999);
    EXPECT_GE(embed::cosine(as_query.data(), prefixed.data(), 384), 0.99999);
}

TEST(Embedder, LongTextIsTruncatedNotRejected) {
    auto e = load_default(64);
    std::string long_text;
    for (int i = 0; i < 200; ++i) long_text += "stir the sauce ";
    const auto ids = embedder_tokenize(*e, long_text);
    ASSERT_EQ(ids.size(), 64u);
    EXPECT_EQ(ids.front(), 101);  // [CLS]
    EXPECT_EQ(ids.back(), 102);   // [SEP] kept at the end
    EXPECT_EQ(embed_documents(*e, {long_text}).size(), 384u);
}

TEST(Embedder, EmptyTextListIsAnError) {
    auto e = load_default();
    EXPECT_THROW(embed_documents(*e, {}), Error);
}
