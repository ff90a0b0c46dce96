// include/ragppo/eval.h over the evaluation's stages: draw the test recipes, run
// them (comparison.h, self_retrieval.h), write the reports and the metrics' JSON.
#include "eval/comparison.h"
#include "eval/self_retrieval.h"
#include "eval/test_set.h"
#include "rag/query_engine_handle.h"
#include "ragppo/eval.h"

#include <nlohmann/json.hpp>

namespace ragppo {

ComparisonSummary eval_compare(QueryEngine & qe, const TestSetParams & test, const std::string & report_dir,
                               const EvalProgress & progress) {
    const auto recipes = eval::draw_test_recipes(test, test.run);
    if (progress) progress(0, recipes.size());
    const auto items = eval::compare_rag_vanilla(qe.engine, recipes, progress);
    const ComparisonSummary summary = eval::summarize(items);
    if (!report_dir.empty()) {
        eval::write_comparison_reports(report_dir, items, summary,
                                       "ragppo: RAG vs vanilla on " + std::to_string(items.size()) + " test recipes");
    }
    return summary;
}

RetrievalMetrics eval_self_retrieval(const QueryEngine & qe, const TestSetParams & test, int depth,
                                     const EvalProgress & progress) {
    TestSetParams t = test;
    if (t.dataset.empty()) t.dataset = qe.engine.manifest().info.dataset;
    const auto recipes = eval::draw_test_recipes(t, t.sample);
    if (progress) progress(0, recipes.size());
    return eval::self_retrieval(qe.engine, recipes, depth, progress);
}

std::string eval_json(const ComparisonSummary & s) {
    const nlohmann::json j{
        {"n", s.n},
        {"rag", {{"rouge_l", s.rag_mean.rouge_l}, {"ingredient_recall", s.rag_mean.ingredient_recall}}},
        {"vanilla", {{"rouge_l", s.vanilla_mean.rouge_l}, {"ingredient_recall", s.vanilla_mean.ingredient_recall}}},
        {"mean_top1_cosine", s.rag_mean_top1_cosine}};
    return j.dump(2) + "\n";
}

std::string eval_json(const RetrievalMetrics & m, int depth, const std::string & index_dir, const std::string & dataset) {
    const nlohmann::json j{{"queries", m.queries}, {"depth", depth},        {"recall_at_1", m.recall_at_1},
                           {"recall_at_3", m.recall_at_3}, {"mrr", m.mrr}, {"index", index_dir},
                           {"dataset", dataset}};
    return j.dump(2) + "\n";
}

}  // namespace ragppo
