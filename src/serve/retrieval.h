// The index side of the server: the loaded index with the embedder it was built
// with (through a QueryEngine, whose LLM is never loaded here: slots hold the
// LLMs), and a second embedder of the same model for /v1/embeddings. Each embedder
// is a llama.cpp context, so each is used by one thread at a time.
#pragma once

#include "ragppo/rag.h"
#include "embed_batcher.h"

#include <mutex>
#include <string>
#include <vector>

namespace ragppo::serve {

class Retrieval {
public:
    explicit Retrieval(const QueryEngineParams & params);

    std::vector<SourceNode> retrieve(const std::string & question, int top_k);
    // Row-major [texts x dim]; `query` prefixes the index's query instruction. Concurrent
    // calls are embedded together (embed_batcher.h).
    std::vector<float> embed(const std::vector<std::string> & texts, bool query);
    uint64_t embed_requests() const { return batcher_.requests(); }
    uint64_t embed_batches() const { return batcher_.batches(); }
    // Tokens the embedder reads per text (with its special tokens, truncated), for usage.
    int count_tokens(const std::vector<std::string> & texts);
    int dim() const { return dim_; }
    int embed_max_tokens() const;
    const IndexManifest & manifest() const { return manifest_; }

private:
    QueryEnginePtr engine_;
    IndexManifest manifest_;
    std::mutex engine_mu_;
    EmbedderPtr embedder_;
    std::mutex embedder_mu_;
    int dim_ = 0;
    EmbedBatcher batcher_;
};

}  // namespace ragppo::serve
