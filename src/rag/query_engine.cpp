#include "rag/query_engine.h"

#include "hub/file_hash.h"

#include "util/timer.h"

namespace ragppo::rag {

namespace {

using util::Clock;
using util::ms_since;

// The embedder must be the one the index was built with: same model file (by
// sha256), same pooling, same query instruction.
EmbedderPtr load_matching_embedder(const QueryEngineParams & p, const IndexManifest & m, IndexLoadParams & check) {
    EmbedderParams ep = index_embedder_params(p, m);
    const HubFile file = hub_resolve_gguf(ep.model, ep.hub);
    check.expect_model = ep.model;
    check.expect_model_sha256 = hub::file_sha256(file.local);
    ep.model = file.local;
    auto e = embedder_load(ep);
    check.expect_dim = embedder_dim(*e);
    return e;
}

}  // namespace

EmbedderParams index_embedder_params(const QueryEngineParams & p, const IndexManifest & m) {
    EmbedderParams ep;
    ep.model = p.embed_model.empty() ? m.info.embed_model : p.embed_model;
    ep.pooling = m.info.pooling;
    ep.query_instruction = m.info.query_instruction;
    ep.n_threads = p.n_threads;
    ep.hub = p.hub;
    return ep;
}

QueryEngine::QueryEngine(const QueryEngineParams & params)
    : params_(params), store_(nullptr, [](VectorStore *) {}), embedder_(nullptr, [](Embedder *) {}),
      generator_(nullptr, [](Generator *) {}) {
    if (params_.top_k < 1) throw Error("top-k must be at least 1, got " + std::to_string(params_.top_k));
    manifest_ = index_read_manifest(params_.index_dir);
    IndexLoadParams check;
    check.verify = params_.verify_index;
    embedder_ = load_matching_embedder(params_, manifest_, check);
    store_ = vector_store_load(params_.index_dir, check);
}

Generator & QueryEngine::generator() {
    if (!generator_) {
        GeneratorParams gp = params_.llm;
        gp.hub = params_.hub;
        if (gp.n_threads == 0) gp.n_threads = params_.n_threads;
        generator_ = generator_load(gp);
    }
    return *generator_;
}

std::vector<SourceNode> QueryEngine::retrieve(const std::string & query, int top_k) const {
    const auto q = embed_queries(*embedder_, {query});
    std::vector<SourceNode> out;
    for (auto & hit : vector_store_search(*store_, q, top_k)) {
        out.push_back({std::move(hit.node), hit.score});
    }
    return out;
}

Response QueryEngine::ask(const std::string & query, const std::function<void(const std::string &)> & on_token) {
    const auto t0 = Clock::now();
    Response r;
    r.query = query;
    r.sources = retrieve(query, params_.top_k);
    r.retrieve_ms = ms_since(t0);
    std::vector<std::string> chunks;
    for (const auto & s : r.sources) chunks.push_back(s.node.text);
    const Synthesis s = synthesize(generator(), query, chunks, params_.mode, params_.sampling, on_token);
    r.answer = s.answer;
    r.llm_calls = s.llm_calls;
    r.prompt_tokens = s.prompt_tokens;
    r.completion_tokens = s.completion_tokens;
    r.stop = s.stop;
    r.llm_ms = s.llm_ms;
    r.total_ms = ms_since(t0);
    return r;
}

Response QueryEngine::vanilla(const std::string & query, const std::function<void(const std::string &)> & on_token) {
    const auto t0 = Clock::now();
    Response r;
    r.query = query;
    r.vanilla = true;
    const Generation g = generate(generator(), query, params_.sampling, on_token);
    r.answer = g.text;
    r.llm_calls = 1;
    r.prompt_tokens = g.prompt_tokens;
    r.completion_tokens = g.completion_tokens;
    r.stop = g.stop;
    r.llm_ms = g.prompt_ms + g.generate_ms;
    r.total_ms = ms_since(t0);
    return r;
}

}  // namespace ragppo::rag
