// ragppo's public API, index face (libragppo-rag): the vector store. Nodes (text +
// recipe metadata) with their embeddings in a FAISS index, persisted as a directory:
//   index.faiss    the FAISS index (vectors; node i is FAISS row i)
//   nodes.bin      node texts and metadata, an offsets table + one UTF-8 blob, mmapped on load
//   manifest.json  what the index was built from (embedding model, dataset, splitter), counts
// Every write replaces the whole directory atomically.
// Uses only types from ragppo.h; FAISS stays behind the opaque VectorStore.
#pragma once

#include "ragppo.h"

#include <cstddef>
#include <string>
#include <vector>

namespace ragppo {

// ============================================================================ vector index
enum class IndexKind {
    Flat,  // exact inner product of L2-normalised vectors = cosine (the reference)
    Hnsw,  // approximate (HNSW graph on inner product), for large corpora
};

struct IndexParams {
    IndexKind kind = IndexKind::Flat;
    int hnsw_m = 32;                // HNSW links per node (fixed at build)
    int hnsw_ef_construction = 40;  // HNSW build beam width
    int hnsw_ef_search = 128;       // HNSW search beam width (saved; may be overridden on load)
};

// What an index was built from; recorded in manifest.json.
struct IndexInfo {
    std::string embed_model;         // embedding model id as given (Hub id or path)
    std::string embed_model_sha256;  // sha256 of the model file
    int dim = 0;                     // embedding dimension
    Pooling pooling = Pooling::FromModel;
    std::string query_instruction;   // prefixed to queries by the embedder
    std::string dataset;             // Hub id or path
    std::string dataset_revision;
    std::string dataset_split;
    int chunk_size = 0;              // splitter settings, in tokens
    int chunk_overlap = 0;
};

struct IndexManifest {
    IndexInfo info;
    IndexParams params;
    size_t n_nodes = 0;
    size_t n_documents = 0;  // distinct uids
    std::string ragppo_version;
};

struct IndexNode {
    // Unique in the store. index_build's: a hash of uid and text (stable across rebuilds);
    // vector_store_add fills an empty one with index_node_id(text).
    std::string id;
    std::string text;
    std::string uid;
    std::string name;
    std::string link;
};

struct IndexHit {
    size_t index = 0;  // position of the node in the store
    float score = 0;   // cosine similarity
    IndexNode node;
};

struct IndexLoadParams {
    // Refuse an index built with another embedding model; empty / 0 = not checked.
    // Ids that differ are accepted when both sha256 are known and equal (same file, other name).
    std::string expect_model;
    std::string expect_model_sha256;
    int expect_dim = 0;
    int hnsw_ef_search = 0;  // 0 = as saved
    // Check each file's CRC-32C from the manifest (every byte read once: about 0.3 s per
    // GB, docs/RELIABILITY.md); false (--no-verify) checks the sizes only.
    bool verify = true;
};

struct VectorStore;  // opaque
using VectorStorePtr = std::unique_ptr<VectorStore, void (*)(VectorStore *)>;

// Stable node id: lowercase hex sha256 of the text.
std::string index_node_id(const std::string & text);
const char * index_kind_name(IndexKind kind);

VectorStorePtr vector_store_new(const IndexInfo & info, const IndexParams & params = {});
VectorStorePtr vector_store_load(const std::string & dir, const IndexLoadParams & params = {});
// The manifest of a saved index, without loading it.
IndexManifest index_read_manifest(const std::string & dir);

size_t vector_store_size(const VectorStore & s);
IndexManifest vector_store_manifest(const VectorStore & s);
IndexNode vector_store_node(const VectorStore & s, size_t i);
bool vector_store_contains(const VectorStore & s, const std::string & node_id);

// Add nodes with their vectors (row-major [nodes.size() x dim]; L2-normalised here).
// Nodes whose id is already present, or repeated within the call, are skipped.
// Returns the number of nodes added.
size_t vector_store_add(VectorStore & s, const std::vector<IndexNode> & nodes, const std::vector<float> & vectors);

// Write the store to `dir`, atomically replacing what is there.
void vector_store_save(const VectorStore & s, const std::string & dir);

// Add nodes to a saved index without rebuilding it (load, add, atomic save).
// Returns the number of nodes added.
size_t vector_store_append(const std::string & dir, const std::vector<IndexNode> & nodes,
                           const std::vector<float> & vectors, const IndexLoadParams & params = {});

// Top-k nodes by cosine similarity, best first; k is clamped to the node count
// (an empty index gives no hits). The query is L2-normalised here.
std::vector<IndexHit> vector_store_search(const VectorStore & s, const std::vector<float> & query, int k = 3);
// Many queries at once (row-major [n x dim]).
std::vector<std::vector<IndexHit>> vector_store_search_batch(const VectorStore & s, const std::vector<float> & queries,
                                                             int k = 3);
// ============================================================================

}  // namespace ragppo
