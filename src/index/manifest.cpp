#include "index/manifest.h"

#include "util/atomic_write.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <limits>
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
const json & at_path(const json & j, const std::string & dotted, const std::string & where) {
    const json * cur = &j;
    std::stringstream ss(dotted);
    std::string key;
    while (std::getline(ss, key, '.')) {
        if (!cur->is_object() || !cur->contains(key)) throw Error(where + " lacks '" + dotted + "'");
        cur = &(*cur)[key];
    }
    return *cur;
}

template <class T> T get(const json & j, const std::string & dotted, const std::string & where) {
    const json * cur = &at_path(j, dotted, where);
    try {
        return cur->get<T>();
    } catch (const json::exception &) {
        throw Error(where + ": '" + dotted + "' has the wrong type");
    }
}

// A whole number in [lo, hi]: JSON's 384.5 or "384" is refused, not rounded or parsed.
int64_t get_int(const json & j, const std::string & dotted, const std::string & where, int64_t lo, int64_t hi) {
    const json * cur = &at_path(j, dotted, where);
    if (!cur->is_number_integer()) throw Error(where + ": '" + dotted + "' must be a whole number, not " + cur->dump());
    const bool fits = cur->is_number_unsigned() ? cur->get<uint64_t>() <= static_cast<uint64_t>(hi)
                                                : cur->get<int64_t>() >= lo && cur->get<int64_t>() <= hi;
    if (!fits || cur->get<int64_t>() < lo) {
        throw Error(where + ": '" + dotted + "' is " + cur->dump() + ", outside " + std::to_string(lo) + ".." + std::to_string(hi));
    }
    return cur->get<int64_t>();
}

// files.<key>.name must be the file the index keeps there: a name from a manifest never
// leads outside its directory (no '/', no "..") nor to another file in it.
void check_file_name(const json & j, const char * key, const char * expected, const std::string & where) {
    const std::string name = get<std::string>(j, std::string("files.") + key + ".name", where);
    if (name.find('/') != std::string::npos || name.find('\\') != std::string::npos || name.find("..") != std::string::npos) {
        throw Error(where + ": files." + key + ".name '" + name + "' leads outside the index directory");
    }
    if (name != expected) throw Error(where + ": files." + key + ".name is '" + name + "', expected '" + expected + "'");
}

std::string crc_hex(uint32_t crc) {
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", crc);
    return buf;
}

// files.<key>.crc32c: absent (an index from before checksums) or 8 lowercase hex digits.
std::optional<uint32_t> get_crc(const json & j, const char * key, const std::string & where) {
    const json & f = j.at("files").at(key);
    if (!f.contains("crc32c")) return std::nullopt;
    const json & v = f.at("crc32c");
    const std::string s = v.is_string() ? v.get<std::string>() : std::string();
    if (s.size() != 8 || s.find_first_not_of("0123456789abcdef") != std::string::npos) {
        throw Error(where + ": files." + key + ".crc32c must be 8 hex digits, not " + v.dump());
    }
    return static_cast<uint32_t>(std::stoul(s, nullptr, 16));
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
    if (sm.faiss_crc32c) j["files"]["faiss"]["crc32c"] = crc_hex(*sm.faiss_crc32c);
    if (sm.nodes_crc32c) j["files"]["nodes"]["crc32c"] = crc_hex(*sm.nodes_crc32c);
    const std::string text = j.dump(2) + "\n";
    util::SyncedFile out(path);
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
    i.dim = static_cast<int>(get_int(j, "embedding.dim", where, 1, 65536));
    i.pooling = pooling_from(get<std::string>(j, "embedding.pooling", where), where);
    i.query_instruction = get<std::string>(j, "embedding.query_instruction", where);
    i.dataset = get<std::string>(j, "dataset.id", where);
    i.dataset_revision = get<std::string>(j, "dataset.revision", where);
    i.dataset_split = get<std::string>(j, "dataset.split", where);
    constexpr int64_t kMaxInt = std::numeric_limits<int>::max();
    constexpr int64_t kMaxSize = std::numeric_limits<int64_t>::max();
    i.chunk_size = static_cast<int>(get_int(j, "splitter.chunk_size", where, 0, kMaxInt));
    i.chunk_overlap = static_cast<int>(get_int(j, "splitter.chunk_overlap", where, 0, kMaxInt));
    m.n_nodes = static_cast<size_t>(get_int(j, "counts.nodes", where, 0, kMaxSize));
    m.n_documents = static_cast<size_t>(get_int(j, "counts.documents", where, 0, kMaxSize));
    m.params.kind = kind_from(get<std::string>(j, "index.kind", where), where);
    // Vectors are unit length and scored by inner product (= cosine); no other metric is written or read.
    const std::string metric = get<std::string>(j, "index.metric", where);
    if (metric != "inner_product") throw Error(where + ": unknown index.metric '" + metric + "' (this ragppo reads inner_product)");
    if (j["embedding"].contains("normalized") && j["embedding"]["normalized"] != true) {
        throw Error(where + ": embedding.normalized must be true (scores are cosines of unit vectors)");
    }
    m.params.hnsw_m = static_cast<int>(get_int(j, "index.hnsw_m", where, 2, 4096));
    m.params.hnsw_ef_construction = static_cast<int>(get_int(j, "index.hnsw_ef_construction", where, 1, kMaxInt));
    m.params.hnsw_ef_search = static_cast<int>(get_int(j, "index.hnsw_ef_search", where, 1, kMaxInt));
    check_file_name(j, "faiss", kFaissFile, where);
    check_file_name(j, "nodes", kNodesFile, where);
    sm.faiss_bytes = static_cast<uint64_t>(get_int(j, "files.faiss.bytes", where, 0, kMaxSize));
    sm.nodes_bytes = static_cast<uint64_t>(get_int(j, "files.nodes.bytes", where, 0, kMaxSize));
    sm.faiss_crc32c = get_crc(j, "faiss", where);
    sm.nodes_crc32c = get_crc(j, "nodes", where);
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
