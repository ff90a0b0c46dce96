#include "index/manifest.h"

#include "index/atomic_dir.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace ragppo::index {
namespace {

using json = nlohmann::json;

constexpr const char * kFormat = "ragppo-index";
constexpr int kFormatVersion = 1;

Pooling pooling_from(const std::string & s, const std::string & where) {
    for (Pooling p : {Pooling::FromModel, Pooling::Cls, Pooling::Mean, Pooling::Last}) {
        if (s == pooling_name(p)) return p;
    }
    throw Error(where + ": unknown pooling '" + s + "'");
}

IndexKind kind_from(const std::string & s, const std::string & where) {
    if (s == index_kind_name(IndexKind::Flat)) return IndexKind::Flat;
    if (s == index_kind_name(IndexKind::Hnsw)) return IndexKind::Hnsw;
    throw Error(where + ": unknown index kind '" + s + "'");
}

// A field by dotted path, with a one-line error naming it when absent or mistyped.
template <class T> T get(const json & j, const std::string & dotted, const std::string & where) {
    const json * cur = &j;
    std::stringstream ss(dotted);
    std::string key;
    while (std::getline(ss, key, '.')) {
        if (!cur->is_object() || !cur->contains(key)) throw Error(where + " lacks '" + dotted + "'");
        cur = &(*cur)[key];
    }
    try {
        return cur->get<T>();
    } catch (const json::exception &) {
        throw Error(where + ": '" + dotted + "' has the wrong type");
    }
}

std::string short_hash(const std::string & h) { return h.empty() ? "unknown" : h.substr(0, 12); }

std::string describe(const std::string & model, const std::string & sha, int dim) {
    return "'" + (model.empty() ? std::string("?") : model) + "' (sha256 " + short_hash(sha) + ", " +
           (dim > 0 ? std::to_string(dim) : std::string("?")) + "-d)";
}

}  // namespace

const char * pooling_name(Pooling p) {
    switch (p) {
        case Pooling::FromModel: return "from_model";
        case Pooling::Cls: return "cls";
        case Pooling::Mean: return "mean";
        case Pooling::Last: return "last";
    }
    return "from_model";
}

void write_manifest(const std::filesystem::path & path, const StoredManifest & sm) {
    const IndexManifest & m = sm.m;
    const IndexInfo & i = m.info;
    json j = {
        {"format", kFormat},
        {"format_version", kFormatVersion},
        {"ragppo_version", m.ragppo_version},
        {"embedding",
         {{"model", i.embed_model},
          {"sha256", i.embed_model_sha256},
          {"dim", i.dim},
          {"pooling", pooling_name(i.pooling)},
          {"normalized", true},
          {"query_instruction", i.query_instruction}}},
        {"dataset", {{"id", i.dataset}, {"revision", i.dataset_revision}, {"split", i.dataset_split}}},
        {"splitter", {{"chunk_size", i.chunk_size}, {"chunk_overlap", i.chunk_overlap}}},
        {"counts", {{"nodes", m.n_nodes}, {"documents", m.n_documents}}},
        {"index",
         {{"kind", index_kind_name(m.params.kind)},
          {"metric", "inner_product"},
          {"hnsw_m", m.params.hnsw_m},
          {"hnsw_ef_construction", m.params.hnsw_ef_construction},
          {"hnsw_ef_search", m.params.hnsw_ef_search}}},
        {"files",
         {{"faiss", {{"name", kFaissFile}, {"bytes", sm.faiss_bytes}}},
          {"nodes", {{"name", kNodesFile}, {"bytes", sm.nodes_bytes}}}}},
    };
    const std::string text = j.dump(2) + "\n";
    SyncedFile out(path);
    out.write(text.data(), text.size());
    out.close();
}

StoredManifest read_manifest(const std::filesystem::path & dir) {
    const auto path = dir / kManifestFile;
    const std::string where = path.string();
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) throw Error("no index at " + dir.string() + " (not a directory)");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("no index at " + dir.string() + ": " + kManifestFile + " is missing");
    json j;
    try {
        j = json::parse(in);
    } catch (const json::exception & e) {
        throw Error(where + " is not valid JSON: " + e.what());
    }
    if (!j.is_object() || !j.contains("format") || j["format"] != kFormat) throw Error(where + " is not a ragppo index manifest");
    const int version = get<int>(j, "format_version", where);
    if (version != kFormatVersion) {
        throw Error(where + " has format version " + std::to_string(version) + "; this ragppo reads version " +
                    std::to_string(kFormatVersion) + ": rebuild the index");
    }

    StoredManifest sm;
    IndexManifest & m = sm.m;
    IndexInfo & i = m.info;
    m.ragppo_version = get<std::string>(j, "ragppo_version", where);
    i.embed_model = get<std::string>(j, "embedding.model", where);
    i.embed_model_sha256 = get<std::string>(j, "embedding.sha256", where);
    i.dim = get<int>(j, "embedding.dim", where);
    i.pooling = pooling_from(get<std::string>(j, "embedding.pooling", where), where);
    i.query_instruction = get<std::string>(j, "embedding.query_instruction", where);
    i.dataset = get<std::string>(j, "dataset.id", where);
    i.dataset_revision = get<std::string>(j, "dataset.revision", where);
    i.dataset_split = get<std::string>(j, "dataset.split", where);
    i.chunk_size = get<int>(j, "splitter.chunk_size", where);
    i.chunk_overlap = get<int>(j, "splitter.chunk_overlap", where);
    m.n_nodes = get<size_t>(j, "counts.nodes", where);
    m.n_documents = get<size_t>(j, "counts.documents", where);
    m.params.kind = kind_from(get<std::string>(j, "index.kind", where), where);
    m.params.hnsw_m = get<int>(j, "index.hnsw_m", where);
    m.params.hnsw_ef_construction = get<int>(j, "index.hnsw_ef_construction", where);
    m.params.hnsw_ef_search = get<int>(j, "index.hnsw_ef_search", where);
    sm.faiss_bytes = get<uint64_t>(j, "files.faiss.bytes", where);
    sm.nodes_bytes = get<uint64_t>(j, "files.nodes.bytes", where);
    if (i.dim <= 0) throw Error(where + ": embedding.dim must be positive");
    return sm;
}

void check_embedding(const IndexManifest & m, const IndexLoadParams & p, const std::filesystem::path & dir) {
    const IndexInfo & i = m.info;
    const bool dim_differs = p.expect_dim > 0 && p.expect_dim != i.dim;
    const bool sha_known = !p.expect_model_sha256.empty() && !i.embed_model_sha256.empty();
    const bool sha_differs = sha_known && p.expect_model_sha256 != i.embed_model_sha256;
    // The same file under another name (a path vs a Hub id) is the same model.
    const bool id_differs = !p.expect_model.empty() && !i.embed_model.empty() && p.expect_model != i.embed_model &&
                            !(sha_known && !sha_differs);
    if (!dim_differs && !sha_differs && !id_differs) return;
    throw Error("index " + dir.string() + " was built with embedding model " +
                describe(i.embed_model, i.embed_model_sha256, i.dim) + " but the embedder is " +
                describe(p.expect_model, p.expect_model_sha256, p.expect_dim) +
                ": rebuild the index or use the same embedding model");
}

}  // namespace ragppo::index
