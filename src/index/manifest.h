// manifest.json of an index directory: what it was built from, counts, and the byte
// sizes of its files (a cheap truncation check on load).
#pragma once

#include "index/vector_store.h"

#include <cstdint>
#include <filesystem>

namespace ragppo::index {

inline constexpr const char * kManifestFile = "manifest.json";
inline constexpr const char * kFaissFile = "index.faiss";
inline constexpr const char * kNodesFile = "nodes.bin";

struct StoredManifest {
    IndexManifest m;
    uint64_t faiss_bytes = 0;
    uint64_t nodes_bytes = 0;
};

void write_manifest(const std::filesystem::path & path, const StoredManifest & sm);
// Throws ragppo::Error (one line) when the file is missing, not JSON, or lacks a field.
StoredManifest read_manifest(const std::filesystem::path & dir);

// Refuse (ragppo::Error naming both models) an index built with another embedding model.
void check_embedding(const IndexManifest & m, const IndexLoadParams & p, const std::filesystem::path & dir);

const char * pooling_name(Pooling p);

}  // namespace ragppo::index
