// The query side of the RAG pipeline: a loaded index, the embedder it was built
// with, and the LLM. `ask` retrieves the top-k nodes and synthesizes an answer;
// `vanilla` asks the same LLM, with the same wrapper and sampling, the bare query.
#pragma once

#include "rag/synthesizer.h"
#include "ragppo.h"
#include "ragppo/index.h"
#include "ragppo/rag.h"

#include <functional>
#include <string>
#include <vector>

namespace ragppo::rag {

// The public types (include/ragppo/rag.h), by their names in this namespace too.
using ragppo::QueryEngineParams;
using ragppo::Response;
using ragppo::SourceNode;

// The embedder settings an index was built with (its model unless `p.embed_model`
// overrides it, its pooling and query instruction), with `p`'s threads and hub.
EmbedderParams index_embedder_params(const QueryEngineParams & p, const IndexManifest & m);

class QueryEngine {
public:
    explicit QueryEngine(const QueryEngineParams & params);
    Response ask(const std::string & query, const std::function<void(const std::string &)> & on_token = {});
    Response vanilla(const std::string & query, const std::function<void(const std::string &)> & on_token = {});
    // Retrieval only (no LLM call).
    std::vector<SourceNode> retrieve(const std::string & query, int top_k) const;
    const IndexManifest & manifest() const { return manifest_; }
    Embedder & embedder() { return *embedder_; }
    int top_k() const { return params_.top_k; }
    const QueryEngineParams & params() const { return params_; }

private:
    Generator & generator();  // loaded on first use: retrieval-only work never loads the LLM

    QueryEngineParams params_;
    IndexManifest manifest_;
    VectorStorePtr store_;
    EmbedderPtr embedder_;
    GeneratorPtr generator_;
};

}  // namespace ragppo::rag
