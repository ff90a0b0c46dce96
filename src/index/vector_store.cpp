// The vector store: a FAISS index whose row i is node i of the node store, plus the
// manifest; saved and loaded as one directory (see include/ragppo/index.h).
#include "ragppo/index.h"

#include "embed/pooling.h"
#include "index/faiss_io.h"
#include "index/flat_search_one.h"
#include "index/manifest.h"
#include "index/node_store.h"
#include "index/output_dir.h"
#include "util/atomic_write.h"
#include "util/crc32c.h"

#include <faiss/utils/distances.h>

#include <algorithm>
#include <cmath>
#include <climits>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#ifndef RAGPPO_VERSION
#define RAGPPO_VERSION "0.0.0"
#endif

namespace fs = std::filesystem;

namespace ragppo {

struct VectorStore {
    IndexManifest manifest;  // counts are filled in when asked for
    std::unique_ptr<faiss::Index> faiss;
    index::NodeStore nodes;
    // Node positions by a 64-bit hash of their id (then compared in full): 16 bytes a
    // node rather than a copy of every 64-character id. Built on first use (add/contains).
    mutable std::unordered_multimap<uint64_t, size_t> ids;
    mutable bool ids_built = false;
};

namespace {

void free_store(VectorStore * s) { delete s; }

// A NaN or infinity scores NaN against every vector, which no ranking orders.
bool all_finite(const float * v, size_t n) { return std::all_of(v, v + n, [](float x) { return std::isfinite(x); }); }

uint64_t id_key(std::string_view id) { return std::hash<std::string_view>{}(id); }

void build_ids(const VectorStore & s) {
    if (s.ids_built) return;
    s.ids.reserve(s.nodes.size());
    for (size_t i = 0; i < s.nodes.size(); ++i) s.ids.emplace(id_key(s.nodes.field(i, index::kId)), i);
    s.ids_built = true;
}

bool has_id(const VectorStore & s, std::string_view id) {
    build_ids(s);
    auto [lo, hi] = s.ids.equal_range(id_key(id));
    for (auto it = lo; it != hi; ++it) {
        if (s.nodes.field(it->second, index::kId) == id) return true;
    }
    return false;
}

size_t count_documents(const VectorStore & s) {
    std::unordered_set<std::string_view> uids;
    uids.reserve(s.nodes.size());
    for (size_t i = 0; i < s.nodes.size(); ++i) uids.insert(s.nodes.field(i, index::kUid));
    return uids.size();
}

IndexNode node_at(const VectorStore & s, size_t i) {
    auto f = [&](index::NodeField k) { return std::string(s.nodes.field(i, k)); };
    return IndexNode{f(index::kId), f(index::kText), f(index::kUid), f(index::kName), f(index::kLink)};
}

std::string model_label(const VectorStore & s) {
    return s.manifest.info.embed_model.empty() ? std::string() : " (embedding model '" + s.manifest.info.embed_model + "')";
}

// Checks a file against the byte size and checksum the manifest recorded, naming what is wrong.
void check_file(const fs::path & dir, const char * name, uint64_t expected, std::optional<uint32_t> crc) {
    std::error_code ec;
    const fs::path p = dir / name;
    if (!fs::exists(p, ec)) throw Error("index " + dir.string() + " is incomplete: " + name + " is missing");
    const uint64_t size = fs::file_size(p, ec);
    if (ec) throw Error("cannot read " + p.string() + ": " + ec.message());
    if (size != expected) {
        throw Error(p.string() + " is " + (size < expected ? "truncated" : "corrupt") + " (" + std::to_string(size) +
                    " bytes, the manifest says " + std::to_string(expected) + ")");
    }
    // A flipped byte keeps the size; the checksum catches it (about a millisecond per 10 MB).
    if (crc && util::crc32c_file(p) != *crc) {
        throw Error(p.string() + " is corrupt (its CRC-32C differs from the one in the manifest): rebuild the index");
    }
}

}  // namespace

const char * index_kind_name(IndexKind kind) { return kind == IndexKind::Hnsw ? "hnsw" : "flat"; }

VectorStorePtr vector_store_new(const IndexInfo & info, const IndexParams & params) {
    VectorStorePtr s(new VectorStore, free_store);
    s->manifest.info = info;
    s->manifest.params = params;
    s->manifest.ragppo_version = RAGPPO_VERSION;
    s->faiss = index::faiss_new(info.dim, params);
    return s;
}

IndexManifest index_read_manifest(const std::string & dir) {
    util::recover_dir(dir);
    return index::read_manifest(dir).m;
}

VectorStorePtr vector_store_load(const std::string & dir_in, const IndexLoadParams & params) {
    const fs::path dir(dir_in);
    util::recover_dir(dir);
    const index::StoredManifest sm = index::read_manifest(dir);
    index::check_embedding(sm.m, params, dir);
    check_file(dir, index::kFaissFile, sm.faiss_bytes, params.verify ? sm.faiss_crc32c : std::nullopt);
    check_file(dir, index::kNodesFile, sm.nodes_bytes, params.verify ? sm.nodes_crc32c : std::nullopt);

    VectorStorePtr s(new VectorStore, free_store);
    s->manifest = sm.m;
    s->faiss = index::faiss_read(dir / index::kFaissFile, sm.m);
    s->nodes = index::NodeStore::open(dir / index::kNodesFile);
    const size_t n_faiss = static_cast<size_t>(s->faiss->ntotal);
    if (n_faiss != s->nodes.size() || n_faiss != sm.m.n_nodes) {
        throw Error("index " + dir.string() + " is inconsistent: " + std::to_string(n_faiss) + " vectors, " +
                    std::to_string(s->nodes.size()) + " nodes, manifest says " + std::to_string(sm.m.n_nodes));
    }
    if (params.hnsw_ef_search > 0) {
        s->manifest.params.hnsw_ef_search = params.hnsw_ef_search;
        index::faiss_set_ef_search(*s->faiss, params.hnsw_ef_search);
    }
    return s;
}

size_t vector_store_size(const VectorStore & s) { return s.nodes.size(); }

IndexManifest vector_store_manifest(const VectorStore & s) {
    IndexManifest m = s.manifest;
    m.n_nodes = s.nodes.size();
    m.n_documents = count_documents(s);
    return m;
}

IndexNode vector_store_node(const VectorStore & s, size_t i) {
    if (i >= s.nodes.size()) {
        throw Error("node " + std::to_string(i) + " is out of range: the index holds " + std::to_string(s.nodes.size()));
    }
    return node_at(s, i);
}

bool vector_store_contains(const VectorStore & s, const std::string & node_id) { return has_id(s, node_id); }

size_t vector_store_add(VectorStore & s, const std::vector<IndexNode> & nodes, const std::vector<float> & vectors) {
    const int dim = s.manifest.info.dim;
    if (vectors.size() != nodes.size() * static_cast<size_t>(dim)) {
        throw Error("vector_store_add: " + std::to_string(nodes.size()) + " nodes need " +
                    std::to_string(nodes.size() * dim) + " floats (" + std::to_string(dim) + "-d), got " +
                    std::to_string(vectors.size()));
    }
    // First decide what goes in, so a failed FAISS add leaves the store unchanged.
    std::vector<std::string> ids(nodes.size());
    std::vector<size_t> accepted;
    std::unordered_set<std::string_view> in_batch;
    for (size_t i = 0; i < nodes.size(); ++i) {
        ids[i] = nodes[i].id.empty() ? index_node_id(nodes[i].text) : nodes[i].id;
        if (has_id(s, ids[i]) || !in_batch.insert(ids[i]).second) continue;
        accepted.push_back(i);
    }
    if (accepted.empty()) return 0;

    std::vector<float> rows(accepted.size() * dim);
    for (size_t r = 0; r < accepted.size(); ++r) {
        float * v = &rows[r * dim];
        std::memcpy(v, &vectors[accepted[r] * dim], sizeof(float) * dim);
        // One NaN would make every score against this node NaN; refuse it here.
        if (!all_finite(v, dim)) {
            throw Error("the vector of node " + std::to_string(accepted[r]) + " ('" + nodes[accepted[r]].name +
                        "') has non-finite values");
        }
        embed::l2_normalize(v, dim);
    }
    index::faiss_call("cannot add to the FAISS index",
                      [&] { s.faiss->add(static_cast<faiss::Index::idx_t>(accepted.size()), rows.data()); });
    for (size_t i : accepted) {
        const IndexNode & n = nodes[i];
        s.nodes.append({ids[i], n.text, n.uid, n.name, n.link});
        if (s.ids_built) s.ids.emplace(id_key(ids[i]), s.nodes.size() - 1);
    }
    return accepted.size();
}

void vector_store_save(const VectorStore & s, const std::string & dir_in) {
    // Only ever replace an index (or nothing): never a folder of someone's files.
    const fs::path dir = index::index_target(dir_in);
    index::check_index_output(dir, /*append=*/false);
    index::StoredManifest sm;
    sm.m = vector_store_manifest(s);
    sm.m.ragppo_version = RAGPPO_VERSION;
    util::write_dir_atomically(dir, [&](const fs::path & tmp) {
        sm.faiss_bytes = index::faiss_write(*s.faiss, tmp / index::kFaissFile);
        sm.faiss_crc32c = util::crc32c_file(tmp / index::kFaissFile);  // read back from the page cache
        util::write_hook(std::string("file:") + index::kFaissFile);
        s.nodes.write(tmp / index::kNodesFile);
        sm.nodes_bytes = fs::file_size(tmp / index::kNodesFile);
        sm.nodes_crc32c = util::crc32c_file(tmp / index::kNodesFile);
        util::write_hook(std::string("file:") + index::kNodesFile);
        index::write_manifest(tmp / index::kManifestFile, sm);  // last: a directory with a manifest is complete
        util::write_hook(std::string("file:") + index::kManifestFile);
    });
}

size_t vector_store_append(const std::string & dir, const std::vector<IndexNode> & nodes,
                           const std::vector<float> & vectors, const IndexLoadParams & params) {
    // Load, add and save under the index's write lock: two appenders never both
    // proceed, so neither one's nodes are silently lost.
    const fs::path target = index::index_target(dir);
    index::check_index_output(target, /*append=*/true);
    const util::FileLock lock = index::lock_index(target);
    VectorStorePtr s = vector_store_load(target.string(), params);
    const size_t added = vector_store_add(*s, nodes, vectors);
    if (added > 0) vector_store_save(*s, target.string());
    return added;
}

namespace {

// FAISS scores fewer than distance_compute_blas_threshold (20) queries pair by
// pair with fvec_inner_product, which Debian's FAISS 1.7.3 build computes one
// float at a time (no SIMD); its BLAS path (one sgemm per block of the index)
// does the same work with OpenBLAS's vector kernels. A single RAG query is the
// common case, so every search takes the BLAS path. Process-wide, set once.
void use_blas_for_every_search() {
    static const bool once = (faiss::distance_compute_blas_threshold = 1, true);
    (void)once;
}

}  // namespace

std::vector<std::vector<IndexHit>> vector_store_search_batch(const VectorStore & s, const std::vector<float> & queries,
                                                             int k) {
    use_blas_for_every_search();
    const size_t dim = static_cast<size_t>(s.manifest.info.dim);
    if (queries.size() % dim != 0) {
        throw Error("query vectors hold " + std::to_string(queries.size()) + " floats, not a multiple of the index's " +
                    std::to_string(dim) + " dimensions" + model_label(s));
    }
    if (k <= 0) throw Error("top-k must be at least 1 (got " + std::to_string(k) + ")");
    const size_t nq = queries.size() / dim;
    std::vector<std::vector<IndexHit>> out(nq);
    const size_t kk = std::min<size_t>(static_cast<size_t>(k), s.nodes.size());
    if (nq == 0 || kk == 0) return out;

    if (!all_finite(queries.data(), queries.size()))
        throw Error("a query vector has non-finite values");
    std::vector<float> q(queries);
    for (size_t i = 0; i < nq; ++i) embed::l2_normalize(&q[i * dim], static_cast<int>(dim));
    // FAISS's HNSW search opens an OpenMP team even for one query, though only one thread
    // works; on a busy machine (llama.cpp threads, other jobs) waiting for that team made a
    // single query 10x slower in bench_index. MKL's sgemv may do the same. The setting is
    // per calling thread.
    index::OmpThreadsScope one_thread(nq == 1 ? 1 : 0);
    // One query on an exact index, the common RAG case: one sgemv (flat_search_one.h says
    // why), whose BLAS takes int sizes: indexes past 2^31 floats go to FAISS.
    const auto * flat = dynamic_cast<const faiss::IndexFlat *>(s.faiss.get());
    if (nq == 1 && flat && flat->metric_type == faiss::METRIC_INNER_PRODUCT &&
        static_cast<int64_t>(flat->d) * flat->ntotal <= INT_MAX) {
        for (const index::ScoredRow & r : index::flat_top_k_one(*flat, q.data(), kk))
            out[0].push_back(IndexHit{static_cast<size_t>(r.row), r.score, node_at(s, static_cast<size_t>(r.row))});
        return out;
    }
    std::vector<float> scores(nq * kk);
    std::vector<faiss::Index::idx_t> labels(nq * kk);
    index::faiss_call("FAISS search failed", [&] {
        s.faiss->search(static_cast<faiss::Index::idx_t>(nq), q.data(), static_cast<faiss::Index::idx_t>(kk), scores.data(),
                        labels.data());
    });
    for (size_t i = 0; i < nq; ++i) {
        for (size_t j = 0; j < kk; ++j) {
            const faiss::Index::idx_t label = labels[i * kk + j];
            if (label < 0) continue;  // HNSW may find fewer than k
            out[i].push_back(IndexHit{static_cast<size_t>(label), scores[i * kk + j], node_at(s, static_cast<size_t>(label))});
        }
    }
    return out;
}

std::vector<IndexHit> vector_store_search(const VectorStore & s, const std::vector<float> & query, int k) {
    if (query.size() != static_cast<size_t>(s.manifest.info.dim)) {
        throw Error("the query vector has " + std::to_string(query.size()) + " dimensions but the index has " +
                    std::to_string(s.manifest.info.dim) + model_label(s));
    }
    return std::move(vector_store_search_batch(s, query, k)[0]);
}

}  // namespace ragppo
