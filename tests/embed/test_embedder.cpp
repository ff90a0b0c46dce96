// Embedder parity with sentence-transformers / HF tokenizers on the same weights
// (fixtures from scripts/fixtures/fx_minilm.py), plus behaviour checks.
#include "embed/pooling.h"
#include "ragppo.h"
#include "support/paths.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
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

EmbedderPtr load_default(int max_tokens = 0, const std::string & model = {}) {
    EmbedderParams p;
    p.model = model;
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

// Both dtypes of the default embedder (BF16 is the default on AVX512_BF16 CPUs, and runs,
// more slowly, everywhere else) keep the same bound against sentence-transformers.
class EmbedderDtype : public ::testing::TestWithParam<std::string> {};
INSTANTIATE_TEST_SUITE_P(Default, EmbedderDtype,
                         ::testing::Values("ragppo/all-MiniLM-L6-v2-GGUF", "ragppo/all-MiniLM-L6-v2-BF16-GGUF"),
                         [](const auto & info) { return info.param.find("BF16") != std::string::npos ? "BF16" : "F32"; });

TEST_P(EmbedderDtype, VectorsMatchSentenceTransformers) {
    const Fixture f = load_fixture();
    auto e = load_default(f.max_len, GetParam());
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

TEST(Embedder, DefaultDtypeFollowsTheCpu) {
    const CpuBackendInfo cpu = cpu_backend_info();
    const bool bf16 = std::find(cpu.features.begin(), cpu.features.end(), "AVX512_BF16") != cpu.features.end();
    EXPECT_EQ(default_embedder_id(), bf16 ? "ragppo/all-MiniLM-L6-v2-BF16-GGUF" : "ragppo/all-MiniLM-L6-v2-GGUF");
    setenv("RAGPPO_EMBED_DTYPE", "f32", 1);
    EXPECT_EQ(default_embedder_id(), default_embedder_f32_id());
    setenv("RAGPPO_EMBED_DTYPE", "fp8", 1);
    EXPECT_THROW(default_embedder_id(), Error);
    unsetenv("RAGPPO_EMBED_DTYPE");
}

TEST(Embedder, EmptyTextListIsAnError) {
    auto e = load_default();
    EXPECT_THROW(embed_documents(*e, {}), Error);
}
