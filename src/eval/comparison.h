// RAG vs vanilla on sampled test recipes (the reference notebook's test loop, with
// measured quality added): query "How do I make {name}?", keep both answers, the
// retrieved nodes and scores, timings, and each answer's metrics against the gold recipe.
#pragma once

#include "eval/rag_metrics.h"
#include "rag/query_engine.h"

#include <functional>
#include <string>
#include <vector>

namespace ragppo::eval {

struct ComparisonItem {
    data::Recipe gold;
    rag::Response rag;
    rag::Response vanilla;
    AnswerMetrics rag_metrics;
    AnswerMetrics vanilla_metrics;
};

using ragppo::ComparisonSummary;  // include/ragppo/eval.h


std::string how_do_i_make(const std::string & name);

// Runs each recipe through RAG and vanilla. `on_item` is called after each one.
std::vector<ComparisonItem> compare_rag_vanilla(rag::QueryEngine & engine, const std::vector<data::Recipe> & recipes,
                                                const std::function<void(size_t done, size_t total)> & on_item = {});

ComparisonSummary summarize(const std::vector<ComparisonItem> & items);

// Writes report.jsonl, report.md and a self-contained report.html into `dir`
// (each file written to a temp name, then renamed).
void write_comparison_reports(const std::string & dir, const std::vector<ComparisonItem> & items,
                              const ComparisonSummary & summary, const std::string & title);

}  // namespace ragppo::eval
