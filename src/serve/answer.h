// One answer on one slot: RAG (retrieve the top-k nodes, then compact/refine
// synthesis, as `ragppo ask` does) or vanilla (the LLM alone), with the request's
// sampling and stop sequences, streamed piece by piece.
#pragma once

#include "ragppo/rag.h"
#include "requests.h"
#include "retrieval.h"

#include <functional>
#include <string>
#include <vector>

namespace ragppo::serve {

struct AnswerSpec {
    AnswerMode mode = AnswerMode::Rag;
    std::string question;
    RequestSampling params;
    int top_k = 3;
    ResponseMode response_mode = ResponseMode::Compact;
};

struct AnswerResult {
    std::string text;
    std::vector<SourceNode> sources;  // empty for vanilla
    int llm_calls = 0;
    int prompt_tokens = 0;
    int cached_prompt_tokens = 0;  // of prompt_tokens: cells a slot kept from its last answer
    int completion_tokens = 0;  // every token generated, the one that completed a stop sequence included
    StopReason stop = StopReason::MaxTokens;  // StopSequence: one of the request's `stop` ended it
    double retrieve_ms = 0;
    double llm_ms = 0;
    double total_ms = 0;
    double first_token_ms = -1;  // from the start of the answer; -1 when no text came
};

// Thrown out of the token callback when the client has gone; the generation ends
// there and the slot is free for the next job.
struct ClientGone {};

struct AnswerCallbacks {
    std::function<bool()> cancelled;                                            // checked at every token
    std::function<void(const std::vector<SourceNode> &)> on_sources;        // once, before any text
    std::function<void(const std::string &)> on_text;                           // the answer as it grows
};

// A stop sequence ends the text and the generation (SamplingParams::stop); with
// refine synthesis it applies to every LLM call, as it would to an OpenAI model.
AnswerResult run_answer(Generator & g, Retrieval & retrieval, const AnswerSpec & spec, const AnswerCallbacks & cb);

}  // namespace ragppo::serve
