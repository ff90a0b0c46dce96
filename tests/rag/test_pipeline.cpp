// The RAG pipeline end to end on real shared recipes and the default models:
// index -> retrieve -> compact/refine answer, vanilla, append, and the reports.
#include "support/files.h"
#include "eval/comparison.h"
#include "rag/index_builder.h"
#include "rag/query_engine.h"
#include "support/paths.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace ragppo;

namespace {

rag::IndexBuildParams build_params(const std::string & dir, size_t limit) {
    rag::IndexBuildParams p;
    p.dataset = test::shared_data("recipes/recipes.json");
    p.limit = limit;
    p.out_dir = dir;
    p.embed.hub.offline = true;
    return p;
}

rag::QueryEngineParams engine_params(const std::string & dir) {
    rag::QueryEngineParams p;
    p.index_dir = dir;
    p.hub.offline = true;
    p.sampling.temperature = 0;
    p.sampling.max_new_tokens = 24;
    return p;
}

std::string slurp(const std::string & path) { return test::read_file(path); }

}  // namespace

TEST(Pipeline, IndexRetrieveAnswerAndVanilla) {
    const std::string dir = test::make_temp_dir("ragppo_pipe_") + "/index";
    const auto report = rag::build_index(build_params(dir, 30));
    EXPECT_EQ(report.load.recipes.size(), 30u);
    EXPECT_GE(report.index_size, 30u);  // nearly every recipe is one node
    EXPECT_LE(report.index_size, 33u);

    rag::QueryEngine engine(engine_params(dir));
    EXPECT_EQ(engine.manifest().info.pooling, Pooling::Mean);
    // Self-retrieval: a recipe's own name retrieves it first.
    for (size_t i : {0u, 7u, 19u}) {
        const auto & r = report.load.recipes[i];
        const auto hits = engine.retrieve(r.name, 3);
        ASSERT_EQ(hits.size(), 3u);
        EXPECT_EQ(hits[0].node.uid, r.uid) << r.name;
        EXPECT_GE(hits[0].cosine, hits[1].cosine);
        EXPECT_GE(hits[1].cosine, hits[2].cosine);
    }
    const auto & first = report.load.recipes[0];
    const auto a = engine.ask(eval::how_do_i_make(first.name));
    EXPECT_EQ(a.sources.size(), 3u);
    EXPECT_EQ(a.llm_calls, 1);  // three recipes fit one 1,024-token prompt
    EXPECT_FALSE(a.answer.empty());
    const auto v = engine.vanilla(eval::how_do_i_make(first.name));
    EXPECT_TRUE(v.sources.empty());
    EXPECT_LT(v.prompt_tokens, a.prompt_tokens);  // the bare query, no context
}

TEST(Pipeline, AppendAddsOnlyNewRecipesAndKeepsOldNodes) {
    const std::string dir = test::make_temp_dir("ragppo_append_") + "/index";
    const auto first = rag::build_index(build_params(dir, 10));
    auto more = build_params(dir, 20);
    more.append = true;
    const auto second = rag::build_index(more);
    EXPECT_EQ(second.index_size, second.nodes);  // the first 10 recipes' nodes were already there
    EXPECT_EQ(second.added, second.nodes - first.index_size);
    auto again = rag::build_index(more);
    EXPECT_EQ(again.added, 0u);
    EXPECT_EQ(again.index_size, second.index_size);
}

TEST(Pipeline, ComparisonWritesJsonlMarkdownAndHtml) {
    const std::string root = test::make_temp_dir("ragppo_cmp_");
    const auto report = rag::build_index(build_params(root + "/index", 12));
    rag::QueryEngine engine(engine_params(root + "/index"));
    std::vector<data::Recipe> two(report.load.recipes.begin(), report.load.recipes.begin() + 2);
    const auto items = eval::compare_rag_vanilla(engine, two);
    ASSERT_EQ(items.size(), 2u);
    const auto summary = eval::summarize(items);
    eval::write_comparison_reports(root + "/out", items, summary, "test");
    const std::string jsonl = slurp(root + "/out/report.jsonl");
    EXPECT_EQ(std::count(jsonl.begin(), jsonl.end(), '\n'), 2);
    EXPECT_NE(jsonl.find("\"vanilla\""), std::string::npos);
    const std::string html = slurp(root + "/out/report.html");
    EXPECT_NE(html.find("cosine"), std::string::npos);
    EXPECT_NE(html.find("How do I make " + two[0].name), std::string::npos);
    EXPECT_TRUE(std::filesystem::exists(root + "/out/report.md"));
    EXPECT_GT(summary.rag_mean_top1_cosine, 0.5);  // each query's own recipe is in the index
}
