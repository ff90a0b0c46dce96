#include "answer_json.h"

namespace ragppo::serve {

using nlohmann::json;

json sources_json(const std::vector<SourceNode> & sources) {
    json a = json::array();
    for (const auto & s : sources) {
        a.push_back({{"name", s.node.name}, {"node_id", s.node.id}, {"score", s.cosine}, {"text", s.node.text},
                     {"uid", s.node.uid}, {"link", s.node.link}});
    }
    return a;
}

json usage_json(const AnswerResult & r) {
    return {{"prompt_tokens", r.prompt_tokens}, {"completion_tokens", r.completion_tokens},
            {"total_tokens", r.prompt_tokens + r.completion_tokens},
            {"prompt_tokens_details", {{"cached_tokens", r.cached_prompt_tokens}}}};
}

const char * finish_reason(const AnswerResult & r) {
    return r.stop == StopReason::MaxTokens ? "length" : "stop";
}

json stats_json(const AnswerResult & r, AnswerMode mode, bool with_sources) {
    const double gen_ms = r.first_token_ms >= 0 ? r.total_ms - r.first_token_ms : 0;
    json j{{"mode", mode == AnswerMode::Rag ? "rag" : "vanilla"},
           {"llm_calls", r.llm_calls},
           {"prompt_tokens", r.prompt_tokens},
           {"completion_tokens", r.completion_tokens},
           {"stop", stop_reason_name(r.stop)},
           {"stopped_by_sequence", r.stop == StopReason::StopSequence},
           {"retrieve_ms", r.retrieve_ms},
           {"llm_ms", r.llm_ms},
           {"total_ms", r.total_ms},
           {"time_to_first_token_ms", r.first_token_ms >= 0 ? json(r.first_token_ms) : json(nullptr)},
           // Decoding speed after the first token (what a reader watches).
           {"tokens_per_second", gen_ms > 0 && r.completion_tokens > 1 ? json(1000.0 * (r.completion_tokens - 1) / gen_ms) : json(nullptr)}};
    if (with_sources && mode == AnswerMode::Rag) j["sources"] = sources_json(r.sources);
    return j;
}

}  // namespace ragppo::serve
