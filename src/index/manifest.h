// manifest.json of an index directory: what it was built from, counts, and the byte
// sizes of its files (a cheap truncation check on load).
#pragma once

#include "ragppo/index.h"

#include <cstdint>
#include <filesystem>
#include <optional>

namespace ragppo::index {

inline constexpr const char * kManifestFile = "manifest.json";
inline constexpr const char * kFaissFile = "index.faiss";
inline constexpr const char * kNodesFile = "nodes.bin";

struct StoredManifest {
    IndexManifest m;
    uint64_t faiss_bytes = 0;
    uint64_t nodes_bytes = 0;
    // CRC-32C of each file (util/crc32c.h), checked on load; absent in indexes
    // written before checksums were recorded (they still load, size-checked only).
    std::optional<uint32_t> faiss_crc32c;
    std::optional<uint32_t> nodes_crc32c;
};

void write_manifest(const std::filesystem::path & path, const StoredManifest & sm);
// Throws ragppo::Error (one line) when the file is missing, not JSON, lacks a field, or
// holds a value of the wrong type or out of range (a fractional dim, an unknown metric,
// a negative ef_search, a file name other than the index's own).
StoredManifest read_manifest(const std::filesystem::path & dir);

// Refuse (ragppo::Error naming both models) an index built with another embedding model.
void check_embedding(const IndexManifest & m, const IndexLoadParams & p, const std::filesystem::path & dir);

const char * pooling_name(Pooling p);

}  // namespace ragppo::index
