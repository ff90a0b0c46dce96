// Packing retrieved chunks into as few prompts as the context window allows
// (LlamaIndex's "compact" step): chunks are kept whole and in rank order where
// they fit; a chunk larger than a whole pack is cut at word boundaries.
#pragma once

#include "rag/token_counter.h"

#include <string>
#include <vector>

namespace ragppo::rag {

// Pack `chunks` (in order) into strings of at most `budget` tokens each, joined by
// "\n\n". Throws ragppo::Error if budget < 1.
std::vector<std::string> pack_chunks(const std::vector<std::string> & chunks, int budget,
                                     const TokenCounter & count_tokens);

}  // namespace ragppo::rag
