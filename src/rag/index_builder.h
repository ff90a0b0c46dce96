// The indexing side of the RAG pipeline: recipe rows -> document text -> nodes
// (sentence-aware chunks measured in the embedder's tokens) -> vectors -> a
// persisted vector store.
#pragma once

#include "data/recipe_loader.h"
#include "rag/splitter.h"
#include "ragppo.h"
#include "ragppo/index.h"
#include "ragppo/rag.h"

#include <functional>
#include <string>

namespace ragppo::rag {

// Each node stores its recipe's name and link for display; a longer one is cut to
// this many bytes (at a character boundary, "..." appended) before it is copied into
// every chunk, so a 10 MB title costs memory once, not once per chunk. The full
// text is still split and embedded.
inline constexpr size_t kMaxNodeMetadataBytes = 1024;

using ragppo::IndexBuildParams;  // include/ragppo/rag.h

struct BuildResult {
    data::LoadReport load;       // rows, skipped rows with reasons
    size_t nodes = 0;            // nodes made by the splitter
    size_t added = 0;            // nodes new to the index (append skips known ones)
    size_t index_size = 0;       // nodes in the saved index
    double load_ms = 0, split_ms = 0, embed_ms = 0, save_ms = 0;
};

// Progress: (stage, done, total) with stage "embed".
using BuildProgress = std::function<void(const char * stage, size_t done, size_t total)>;

BuildResult build_index(const IndexBuildParams & params, const BuildProgress & progress = {});

}  // namespace ragppo::rag
