// Answer synthesis from retrieved chunks: the first pack goes into the QA prompt,
// every further pack refines the answer so far (LlamaIndex's compact and refine modes).
#pragma once

#include "ragppo.h"
#include "ragppo/rag.h"

#include <functional>
#include <string>
#include <vector>

namespace ragppo::rag {

using ragppo::ResponseMode;  // include/ragppo/rag.h

struct Synthesis {
    std::string answer;
    int llm_calls = 0;
    int prompt_tokens = 0;
    int completion_tokens = 0;
    double llm_ms = 0;
    StopReason stop = StopReason::MaxTokens;  // of the last call
};

// `on_token` streams the pieces of the final LLM call only (earlier calls are drafts).
Synthesis synthesize(Generator & g, const std::string & query, const std::vector<std::string> & chunks,
                     ResponseMode mode, const SamplingParams & sampling,
                     const std::function<void(const std::string &)> & on_token = {});

}  // namespace ragppo::rag
