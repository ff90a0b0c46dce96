// The public RAG face (include/ragppo/rag.h) as a program uses it: build an index
// of real shared recipes, retrieve, answer, and one-line errors for bad input.
#include "ragppo/rag.h"
#include "support/files.h"
#include "support/paths.h"

#include <gtest/gtest.h>

#include <filesystem>

using namespace ragppo;

namespace {

IndexBuildParams recipes(const std::string & out, size_t limit) {
    IndexBuildParams b;
    b.dataset = test::shared_data("recipes/recipes.json");
    b.limit = limit;
    b.out_dir = out;
    b.embed.hub.offline = true;
    return b;
}

}  // namespace

TEST(RagApi, BuildsAnIndexThatAnswersFromItsOwnRecipes) {
    const std::string dir = test::make_temp_dir("ragppo_rag_api_") + "/index";
    size_t last_done = 0, total = 0;
    const IndexBuildReport built = index_build(recipes(dir, 12), [&](size_t done, size_t of) {
        EXPECT_GE(done, last_done);
        last_done = done;
        total = of;
    });
    EXPECT_EQ(built.recipes, 12u);
    EXPECT_EQ(built.format, "json");
    EXPECT_TRUE(built.skipped.empty());
    EXPECT_GE(built.index_size, 12u);
    EXPECT_EQ(built.added, built.index_size);
    EXPECT_EQ(last_done, total);
    EXPECT_EQ(total, built.nodes);

    QueryEngineParams q;
    q.index_dir = dir;
    q.hub.offline = true;
    q.sampling.temperature = 0;
    q.sampling.max_new_tokens = 12;
    auto engine = query_engine_load(q);
    EXPECT_EQ(query_engine_manifest(*engine).n_nodes, built.index_size);
    EXPECT_GT(embedder_dim(query_engine_embedder(*engine)), 0);

    // The first node's recipe name retrieves that recipe first.
    auto store = vector_store_load(dir);
    const IndexNode first = vector_store_node(*store, 0);
    const auto hits = query_engine_retrieve(*engine, first.name);
    ASSERT_EQ(hits.size(), 3u);  // the engine's top_k
    EXPECT_EQ(hits[0].node.uid, first.uid);
    EXPECT_GE(hits[0].cosine, hits[2].cosine);
    EXPECT_EQ(query_engine_retrieve(*engine, first.name, 5).size(), 5u);

    std::string streamed;
    const Response rag = query_engine_ask(*engine, "How do I make " + first.name + "?",
                                          [&](const std::string & piece) { streamed += piece; });
    EXPECT_FALSE(rag.vanilla);
    EXPECT_EQ(rag.sources.size(), 3u);
    EXPECT_EQ(rag.sources[0].node.uid, first.uid);
    EXPECT_FALSE(rag.answer.empty());
    EXPECT_EQ(streamed, rag.answer);
    EXPECT_GE(rag.llm_calls, 1);
    const Response vanilla = query_engine_vanilla(*engine, "How do I make " + first.name + "?");
    EXPECT_TRUE(vanilla.vanilla);
    EXPECT_TRUE(vanilla.sources.empty());
    EXPECT_EQ(vanilla.llm_calls, 1);
    EXPECT_GT(vanilla.prompt_tokens, 0);
    EXPECT_LT(vanilla.prompt_tokens, rag.prompt_tokens);  // the recipes are in the RAG prompt only
}

TEST(RagApi, BadInputIsOneLineErrorAndLeavesTheIndexAsItWas) {
    const std::string root = test::make_temp_dir("ragppo_rag_api_bad_");
    const std::string dir = root + "/index";
    index_build(recipes(dir, 3));
    const std::string manifest = test::read_file(dir + "/manifest.json");

    IndexBuildParams missing = recipes(dir, 3);
    missing.dataset = root + "/no-such-recipes.csv";
    try {
        index_build(missing);
        FAIL() << "a missing dataset was accepted";
    } catch (const Error & e) {
        EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("no-such-recipes.csv"), std::string::npos) << e.what();
    }
    EXPECT_EQ(test::read_file(dir + "/manifest.json"), manifest);

    QueryEngineParams q;
    q.index_dir = root + "/no-index-here";
    q.hub.offline = true;
    EXPECT_THROW(query_engine_load(q), Error);
    q.index_dir = dir;
    q.top_k = 0;
    EXPECT_THROW(query_engine_load(q), Error);
}
