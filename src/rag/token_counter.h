// How the RAG stages measure text: a count of tokens with some model's tokenizer (the
// embedder's for chunk sizes, the LLM's for prompt budgets), without special tokens.
#pragma once

#include <functional>
#include <string>

namespace ragppo::rag {

using TokenCounter = std::function<int(const std::string &)>;

}  // namespace ragppo::rag
