#include "retrieval.h"

namespace ragppo::serve {

// The query engine checked the embedder against the index (same model file, same
// dimension); the second one loads the same model with the same settings.
Retrieval::Retrieval(const QueryEngineParams & params)
    : engine_(query_engine_load(params)),
      manifest_(query_engine_manifest(*engine_)),
      embedder_(embedder_load(query_engine_embedder_params(*engine_))),
      dim_(embedder_dim(*embedder_)),
      batcher_([this](const std::vector<std::string> & texts, bool query) {
          std::lock_guard<std::mutex> lock(embedder_mu_);
          return query ? embed_queries(*embedder_, texts) : embed_documents(*embedder_, texts);
      }, dim_) {}

std::vector<SourceNode> Retrieval::retrieve(const std::string & question, int top_k) {
    std::lock_guard<std::mutex> lock(engine_mu_);
    return query_engine_retrieve(*engine_, question, top_k);
}

std::vector<float> Retrieval::embed(const std::vector<std::string> & texts, bool query) { return batcher_.embed(texts, query); }

int Retrieval::count_tokens(const std::vector<std::string> & texts) {
    std::lock_guard<std::mutex> lock(embedder_mu_);
    int n = 0;
    for (const auto & t : texts) n += static_cast<int>(embedder_tokenize(*embedder_, t).size());
    return n;
}

int Retrieval::embed_max_tokens() const { return embedder_max_tokens(*embedder_); }

}  // namespace ragppo::serve
