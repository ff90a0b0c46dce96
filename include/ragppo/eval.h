// ragppo's public API, evaluation face (libragppo-rag): measured quality of the
// recipe RAG, beyond the reference notebook's impressions. RAG against the same LLM
// alone on sampled test recipes (answers scored against the gold recipe), and
// self-retrieval of indexed recipes by their names.
#pragma once

#include "ragppo/rag.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace ragppo {

// Test recipes: `sample` drawn from the dataset with `seed` (the notebook drew 20),
// of which the first `run` are asked (it ran 5).
struct TestSetParams {
    std::string dataset = "m3hrdadfi/recipe_nlg_lite";  // a CSV/JSON/JSONL/Parquet file, or a Hub dataset id
    std::string split = "test";                          // of a Hub dataset
    std::string mapping;                                 // column mapping ("" = detect)
    size_t sample = 20;
    size_t run = 5;
    uint64_t seed = 42;
    HubParams hub;
};

struct AnswerMetrics {
    double rouge_l = 0;            // F1 of the answer against the gold steps
    double ingredient_recall = 0;  // share of the gold ingredient names the answer mentions
};

struct ComparisonSummary {
    size_t n = 0;
    AnswerMetrics rag_mean, vanilla_mean;
    double rag_mean_top1_cosine = 0;
};

struct RetrievalMetrics {
    size_t queries = 0;
    double recall_at_1 = 0;
    double recall_at_3 = 0;
    double mrr = 0;  // mean reciprocal rank within the retrieved depth (0 when absent)
};

using EvalProgress = std::function<void(size_t done, size_t total)>;

// Asks "How do I make {name}?" of each test recipe with RAG and vanilla and scores both
// answers against the gold recipe. With `report_dir`, writes report.jsonl, report.md
// and a self-contained report.html there (each atomically).
ComparisonSummary eval_compare(QueryEngine & qe, const TestSetParams & test, const std::string & report_dir = "",
                               const EvalProgress & progress = {});
// Each of `test.sample` recipes' name is a query; where its own recipe ranks among
// the top `depth` nodes. `test.dataset` "" = the dataset the index was built from.
RetrievalMetrics eval_self_retrieval(const QueryEngine & qe, const TestSetParams & test, int depth = 10,
                                     const EvalProgress & progress = {});

// The metrics as the JSON files `ragppo eval-answers` / `eval-retrieval` write.
std::string eval_json(const ComparisonSummary & s);
std::string eval_json(const RetrievalMetrics & m, int depth, const std::string & index_dir, const std::string & dataset);

}  // namespace ragppo
