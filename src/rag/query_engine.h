// The query side of the RAG pipeline: a loaded index, the embedder it was built
// with, and the LLM. `ask` retrieves the top-k nodes and synthesizes an answer;
// `vanilla` asks the same LLM, with the same wrapper and sampling, the bare query.
#pragma once

#include "rag/synthesizer.h"
#include "ragppo.h"
#include "ragppo/index.h"

#include <functional>
#include <string>
#include <vector>

namespace ragppo::rag {

struct QueryEngineParams {
    std::string index_dir;
    std::string embed_model;  // "" = the model recorded in the index manifest
    GeneratorParams llm;      // n_ctx 1024 by default, as the reference
    SamplingParams sampling;  // temperature 0.7, 128 new tokens, as the reference
    int top_k = 3;
    ResponseMode mode = ResponseMode::Compact;
    int n_threads = 0;
    bool verify_index = true;  // check the index files' CRC-32C on load (false: --no-verify)
    HubParams hub;
};

// The embedder settings an index was built with (its model unless `p.embed_model`
// overrides it, its pooling and query instruction), with `p`'s threads and hub.
EmbedderParams index_embedder_params(const QueryEngineParams & p, const IndexManifest & m);

struct SourceNode {
    IndexNode node;
    float cosine = 0;  // cosine similarity between the query and the node
};

struct Response {
    std::string query;
    std::string answer;
    bool vanilla = false;
    std::vector<SourceNode> sources;  // best first; empty for vanilla
    int llm_calls = 0;
    int prompt_tokens = 0;
    int completion_tokens = 0;
    StopReason stop = StopReason::MaxTokens;
    double retrieve_ms = 0;
    double llm_ms = 0;
    double total_ms = 0;
};

class QueryEngine {
public:
    explicit QueryEngine(const QueryEngineParams & params);
    Response ask(const std::string & query, const std::function<void(const std::string &)> & on_token = {});
    Response vanilla(const std::string & query, const std::function<void(const std::string &)> & on_token = {});
    // Retrieval only (no LLM call).
    std::vector<SourceNode> retrieve(const std::string & query, int top_k) const;
    const IndexManifest & manifest() const { return manifest_; }

private:
    Generator & generator();  // loaded on first use: retrieval-only work never loads the LLM

    QueryEngineParams params_;
    IndexManifest manifest_;
    VectorStorePtr store_;
    EmbedderPtr embedder_;
    GeneratorPtr generator_;
};

}  // namespace ragppo::rag
