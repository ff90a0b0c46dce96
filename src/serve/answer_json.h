// How an answer appears in responses: OpenAI's usage and finish_reason, plus the
// "ragppo" extra field (sources with cosine scores, LLM calls, token counts, timings).
#pragma once

#include "answer.h"

#include <nlohmann/json.hpp>

namespace ragppo::serve {

nlohmann::json sources_json(const std::vector<SourceNode> & sources);
nlohmann::json usage_json(const AnswerResult & r);
// "stop" at an end of turn or a stop sequence, "length" at max_tokens.
const char * finish_reason(const AnswerResult & r);
// Counts and timings; with_sources adds the sources (the non-streamed forms).
nlohmann::json stats_json(const AnswerResult & r, AnswerMode mode, bool with_sources);

}  // namespace ragppo::serve
