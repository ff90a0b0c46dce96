// include/ragppo/rag.h over the pipeline's classes: the opaque QueryEngine is
// rag::QueryEngine, and the build report flattens data::LoadReport into lines.
#include "rag/index_builder.h"
#include "rag/query_engine_handle.h"
#include "ragppo/rag.h"

namespace ragppo {

IndexBuildReport index_build(const IndexBuildParams & params, const std::function<void(size_t, size_t)> & progress) {
    rag::BuildProgress on_embed;
    if (progress) on_embed = [&](const char *, size_t done, size_t total) { progress(done, total); };
    const rag::BuildResult r = rag::build_index(params, on_embed);
    IndexBuildReport out;
    out.rows_read = r.load.rows_read;
    out.recipes = r.load.recipes.size();
    out.format = data::file_format_name(r.load.format);
    for (const auto & issue : r.load.skipped) out.skipped.push_back(data::describe(issue));
    for (const auto & issue : r.load.cut) out.cut.push_back(data::describe(issue));
    out.nodes = r.nodes;
    out.added = r.added;
    out.index_size = r.index_size;
    out.load_ms = r.load_ms;
    out.split_ms = r.split_ms;
    out.embed_ms = r.embed_ms;
    out.save_ms = r.save_ms;
    return out;
}

QueryEnginePtr query_engine_load(const QueryEngineParams & params) {
    return {new QueryEngine{rag::QueryEngine(params)}, [](QueryEngine * qe) { delete qe; }};
}

Response query_engine_ask(QueryEngine & qe, const std::string & query, const TokenCallback & on_token) {
    return qe.engine.ask(query, on_token);
}

Response query_engine_vanilla(QueryEngine & qe, const std::string & query, const TokenCallback & on_token) {
    return qe.engine.vanilla(query, on_token);
}

std::vector<SourceNode> query_engine_retrieve(const QueryEngine & qe, const std::string & query, int top_k) {
    return qe.engine.retrieve(query, top_k > 0 ? top_k : qe.engine.top_k());
}

IndexManifest query_engine_manifest(const QueryEngine & qe) { return qe.engine.manifest(); }

Embedder & query_engine_embedder(QueryEngine & qe) { return qe.engine.embedder(); }

EmbedderParams query_engine_embedder_params(const QueryEngine & qe) {
    return rag::index_embedder_params(qe.engine.params(), qe.engine.manifest());
}

}  // namespace ragppo
