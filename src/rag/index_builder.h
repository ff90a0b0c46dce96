// The indexing side of the RAG pipeline: recipe rows -> document text -> nodes
// (sentence-aware chunks measured in the embedder's tokens) -> vectors -> a
// persisted vector store.
#pragma once

#include "data/recipe_loader.h"
#include "rag/splitter.h"
#include "ragppo.h"
#include "ragppo/index.h"

#include <functional>
#include <string>

namespace ragppo::rag {

// Each node stores its recipe's name and link for display; a longer one is cut to
// this many bytes (at a character boundary, "..." appended) before it is copied into
// every chunk, so a 10 MB title costs memory once, not once per chunk. The full
// text is still split and embedded.
inline constexpr size_t kMaxNodeMetadataBytes = 1024;

struct IndexBuildParams {
    std::string dataset;         // a local CSV / JSON / JSONL / Parquet file or folder, or a Hub dataset id
    std::string config;          // for Hub datasets: which config ("" = the default one)
    std::string split = "train"; // for Hub datasets: which split's files to use (data/dataset_files.h)
    std::string mapping;         // column mapping spec ("" = detect), see data/column_mapping.h
    size_t limit = 0;            // index at most this many recipes; 0 = all
    // Each text field of a row is cut to this many bytes as it is read (data/field_limit.h);
    // 0 = no limit. The cut rows are in load.cut.
    size_t max_field_bytes = data::kDefaultMaxFieldBytes;
    EmbedderParams embed;
    IndexParams index;
    int chunk_size = 1024;       // tokens (LlamaIndex's default)
    int chunk_overlap = 200;
    std::string out_dir;
    bool append = false;         // add to an existing index instead of replacing it
    bool verify_existing = true; // with append: check the existing index's CRC-32C on load (false: --no-verify)
};

struct IndexBuildReport {
    data::LoadReport load;       // rows, skipped rows with reasons
    size_t nodes = 0;            // nodes made by the splitter
    size_t added = 0;            // nodes new to the index (append skips known ones)
    size_t index_size = 0;       // nodes in the saved index
    double load_ms = 0, split_ms = 0, embed_ms = 0, save_ms = 0;
};

// Progress: (stage, done, total) with stage "embed".
using BuildProgress = std::function<void(const char * stage, size_t done, size_t total)>;

IndexBuildReport build_index(const IndexBuildParams & params, const BuildProgress & progress = {});

}  // namespace ragppo::rag
