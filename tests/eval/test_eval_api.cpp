// The public evaluation face (include/ragppo/eval.h): self-retrieval and the RAG vs
// vanilla comparison on an index of real shared recipes, and their JSON.
#include "ragppo/eval.h"
#include "support/files.h"
#include "support/paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

using namespace ragppo;

TEST(EvalApi, SelfRetrievalAndComparisonOnSharedRecipes) {
    const std::string root = test::make_temp_dir("ragppo_eval_api_");
    IndexBuildParams b;
    b.dataset = test::shared_data("recipes/recipes.json");
    b.limit = 30;
    b.out_dir = root + "/index";
    b.embed.hub.offline = true;
    index_build(b);

    QueryEngineParams q;
    q.index_dir = b.out_dir;
    q.hub.offline = true;
    q.sampling.temperature = 0;
    q.sampling.max_new_tokens = 16;
    auto engine = query_engine_load(q);

    TestSetParams t;
    t.dataset = "";  // the index's own dataset
    t.sample = 10;
    t.seed = 3;
    t.hub.offline = true;
    size_t calls = 0, last = 0;
    const RetrievalMetrics m = eval_self_retrieval(*engine, t, 5, [&](size_t done, size_t total) {
        ++calls;
        last = done;
        EXPECT_EQ(total, 10u);
    });
    // Drawn from all 400 recipes, only those among the 30 indexed can be found.
    EXPECT_EQ(m.queries, 10u);
    EXPECT_GE(m.recall_at_3, m.recall_at_1);
    EXPECT_GE(m.mrr, 0.0);
    EXPECT_EQ(last, 10u);
    EXPECT_EQ(calls, 11u);  // 0, then after each query
    const auto j = nlohmann::json::parse(eval_json(m, 5, b.out_dir, b.dataset));
    EXPECT_EQ(j.at("queries"), 10);
    EXPECT_EQ(j.at("depth"), 5);
    EXPECT_DOUBLE_EQ(j.at("recall_at_1").get<double>(), m.recall_at_1);

    t.dataset = b.dataset;
    t.sample = 4;
    t.run = 2;
    const ComparisonSummary s = eval_compare(*engine, t, root + "/report");
    EXPECT_EQ(s.n, 2u);
    EXPECT_GT(s.rag_mean_top1_cosine, 0.0);
    EXPECT_TRUE(std::filesystem::exists(root + "/report/report.html"));
    EXPECT_TRUE(std::filesystem::exists(root + "/report/report.jsonl"));
    const auto sj = nlohmann::json::parse(eval_json(s));
    EXPECT_EQ(sj.at("n"), 2);
    EXPECT_DOUBLE_EQ(sj.at("rag").at("ingredient_recall").get<double>(), s.rag_mean.ingredient_recall);

    t.dataset = root + "/missing.csv";
    EXPECT_THROW(eval_compare(*engine, t), Error);
}
