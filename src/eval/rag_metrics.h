// Measured quality of the RAG pipeline, beyond the reference notebook's impressions:
// self-retrieval (does a recipe's own name retrieve it?) and answer quality against
// the gold recipe (ROUGE-L of the steps, share of gold ingredients mentioned).
#pragma once

#include "data/recipe.h"
#include "ragppo/eval.h"

#include <string>
#include <vector>

namespace ragppo::eval {

// Rank (1-based) of the first hit whose uid is `uid` in a ranked list of uids; 0 = absent.
size_t rank_of(const std::vector<std::string> & ranked_uids, const std::string & uid);

using ragppo::RetrievalMetrics;  // include/ragppo/eval.h


// From the 1-based rank of each query's own recipe (0 = not retrieved).
RetrievalMetrics retrieval_metrics(const std::vector<size_t> & ranks);

// Share of `ingredients` (names) that `answer` mentions, case-insensitively as whole
// words; 0 when there are none.
double ingredient_recall(const std::string & answer, const std::vector<std::string> & ingredients);

using ragppo::AnswerMetrics;  // include/ragppo/eval.h


AnswerMetrics answer_metrics(const std::string & answer, const data::Recipe & gold);

}  // namespace ragppo::eval
