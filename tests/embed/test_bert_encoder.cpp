// ragppo's own BERT graph (src/embed/bert_encoder) against llama.cpp's graph on the same
// GGUF, and its GELU against libm's erf. Parity with sentence-transformers is in
// test_embedder.cpp (it runs on this graph: the default embedder is a plain BERT).
#include "embed/bert_encoder.h"
#include "embed/gelu_erf.h"
#include "embed/pooling.h"
#include "ragppo.h"
#include "support/paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

using namespace ragppo;

namespace {

std::vector<std::string> fixture_texts() {
    std::ifstream in(test::fixture("minilm_parity.json"));
    EXPECT_TRUE(in.good()) << "fixture missing: run the make_reference_fixtures test first";
    std::vector<std::string> texts;
    const auto j = nlohmann::json::parse(in);
    for (const auto & it : j["items"]) texts.push_back(it["text"]);
    return texts;
}

EmbedderPtr load(const std::string & model, bool llama_graph, int max_tokens = 0) {
    EmbedderParams p;
    p.model = model;
    p.llama_graph = llama_graph;
    p.max_tokens = max_tokens;
    p.hub.offline = true;
    return embedder_load(p);
}

}  // namespace

TEST(GeluErf, MatchesLibmErfOverTheRangeBertSees) {
    double worst = 0;
    int n = 0;
    for (double x = -12.0; x <= 12.0; x += 1.0 / 1024, ++n) {
        const double exact = 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
        const double err = std::fabs(double(embed::gelu_erf_scalar(static_cast<float>(x))) - exact);
        worst = std::max(worst, err / std::max(1.0, std::fabs(x)));
    }
    ASSERT_GT(n, 20000);
    EXPECT_LT(worst, 1e-6);
    RecordProperty("worst_relative_error", std::to_string(worst));
    // Saturation far out, where erf's exp underflows.
    EXPECT_EQ(embed::gelu_erf_scalar(-1e4f), 0.0f);
    EXPECT_EQ(embed::gelu_erf_scalar(1e4f), 1e4f);
    EXPECT_EQ(embed::gelu_erf_scalar(0.0f), 0.0f);
}

// Both graphs on the same weights give the same sentence vectors: ours differs in the
// batching (padded, attention per text), the GELU (exact erf vs llama.cpp's tanh table)
// and the fused q/k/v matmul, none of which may move a vector.
TEST(BertEncoder, MatchesLlamaCppsGraphOnEachDtype) {
    const std::vector<std::string> texts = fixture_texts();
    ASSERT_GE(texts.size(), 30u);
    for (const std::string model : {"ragppo/all-MiniLM-L6-v2-GGUF", "ragppo/all-MiniLM-L6-v2-BF16-GGUF"}) {
        auto ours = load(model, false, 256);
        auto theirs = load(model, true, 256);
        ASSERT_EQ(embedder_engine(*ours), "ragppo-bert");
        ASSERT_EQ(embedder_engine(*theirs), "llama.cpp");
        EXPECT_EQ(embedder_pooling(*ours), embedder_pooling(*theirs));
        const auto a = embed_documents(*ours, texts);
        const auto b = embed_documents(*theirs, texts);
        ASSERT_EQ(a.size(), b.size());
        double worst = 1.0;
        for (size_t i = 0; i < texts.size(); ++i) {
            const double c = embed::cosine(&a[i * 384], &b[i * 384], 384);
            EXPECT_GE(c, 0.9999) << model << " text #" << i;
            worst = std::min(worst, c);
        }
        RecordProperty("worst_cosine_" + std::string(model.find("BF16") != std::string::npos ? "bf16" : "f32"),
                       std::to_string(worst));
    }
}

// A batch mixes lengths from 3 to 256 tokens: padding must not leak into any text's vector.
TEST(BertEncoder, PaddedBatchGivesEachTextItsOwnVector) {
    auto e = load("ragppo/all-MiniLM-L6-v2-GGUF", false, 256);
    std::vector<std::string> texts{"salt", "whisk two eggs with milk and flour until smooth"};
    std::string long_text;
    for (int i = 0; i < 120; ++i) long_text += "stir the sauce ";
    texts.push_back(long_text);
    texts.push_back("preheat the oven");
    const auto together = embed_documents(*e, texts);
    for (size_t i = 0; i < texts.size(); ++i) {
        const auto alone = embed_documents(*e, {texts[i]});
        EXPECT_GE(embed::cosine(alone.data(), &together[i * 384], 384), 0.999999) << texts[i];
    }
}

TEST(BertEncoder, OtherArchitecturesAreLeftToLlamaCpp) {
    HubParams h;
    h.offline = true;
    const std::string llm = hub_resolve_gguf(default_llm_id(), h).local;
    std::string why;
    EXPECT_EQ(embed::BertEncoder::load(llm, 1, &why), nullptr);
    EXPECT_NE(why.find("architecture"), std::string::npos) << why;
}

TEST(BertEncoder, ATruncatedFileIsAnError) {
    HubParams h;
    h.offline = true;
    const std::string src = hub_resolve_gguf("ragppo/all-MiniLM-L6-v2-GGUF", h).local;
    const std::string dir = test::make_temp_dir("bert-trunc");
    const std::string dst = dir + "/cut.gguf";
    {
        std::ifstream in(src, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), {});
        std::ofstream(dst, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
    }
    std::string why;
    EXPECT_THROW(embed::BertEncoder::load(dst, 1, &why), Error);
}
