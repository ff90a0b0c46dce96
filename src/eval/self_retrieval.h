// Self-retrieval of indexed recipes (`ragppo eval-retrieval`): each recipe's name is the
// query; recall@1, recall@3 and MRR of its own recipe among the retrieved nodes.
#pragma once

#include "data/recipe.h"
#include "eval/rag_metrics.h"
#include "rag/query_engine.h"

#include <functional>
#include <vector>

namespace ragppo::eval {

RetrievalMetrics self_retrieval(const rag::QueryEngine & engine, const std::vector<data::Recipe> & recipes, int depth,
                                const std::function<void(size_t done, size_t total)> & on_progress = {});

}  // namespace ragppo::eval
