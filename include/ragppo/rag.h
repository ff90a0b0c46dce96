// ragppo's public API, RAG face (libragppo-rag, no libtorch): build an index of
// recipes, and answer questions from it (retrieve top-k, synthesize with the LLM)
// or with the LLM alone. LlamaIndex's vocabulary: a QueryEngine holds the
// retriever (embedder + VectorStore) and the synthesizer (LLM + response mode).
//
//   ragppo::IndexBuildParams b;  b.dataset = "recipes.csv";  b.out_dir = "idx";
//   ragppo::index_build(b);
//   ragppo::QueryEngineParams q;  q.index_dir = "idx";
//   auto engine = ragppo::query_engine_load(q);
//   ragppo::Response r = ragppo::query_engine_ask(*engine, "How do I make pancakes?");
#pragma once

#include "ragppo.h"
#include "ragppo/data.h"
#include "ragppo/index.h"

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace ragppo {

// ============================================================================ indexing
struct IndexBuildParams {
    std::string dataset;          // a local CSV / JSON / JSONL / Parquet file or folder, or a Hub dataset id
    std::string config;           // for Hub datasets: which config ("" = the default one)
    std::string split = "train";  // for Hub datasets: which split's files to use
    std::string mapping;          // column mapping ("" = detect; "preset=recipenlg", "name=title,steps=directions")
    size_t limit = 0;             // index at most this many recipes; 0 = all
    size_t max_field_bytes = kDefaultMaxFieldBytes;
    EmbedderParams embed;         // model "" = the embedded default
    IndexParams index;
    int chunk_size = 1024;        // tokens of the embedder (LlamaIndex's default)
    int chunk_overlap = 200;
    std::string out_dir;
    bool append = false;          // add to an existing index instead of replacing it
    bool verify_existing = true;  // with append: check the existing index's CRC-32C on load
};

struct IndexBuildReport {
    size_t rows_read = 0;              // data rows looked at
    size_t recipes = 0;                // rows that became documents
    std::string format;                // "csv", "json", "jsonl", "parquet"
    std::vector<std::string> skipped;  // one line per malformed row, in file order ("row 12 (line 14): missing name")
    std::vector<std::string> cut;      // one line per row kept with a field cut to max_field_bytes
    size_t nodes = 0;                  // nodes made by the splitter
    size_t added = 0;                  // nodes new to the index (append skips known ones)
    size_t index_size = 0;             // nodes in the saved index
    double load_ms = 0, split_ms = 0, embed_ms = 0, save_ms = 0;
};

// Load, split (sentence-aware chunks in embedder tokens), embed, and save the index
// atomically to out_dir. `progress(done, total)` counts embedded nodes.
// Throws ragppo::Error for a missing/empty/corrupt dataset, or an out_dir that is
// neither empty, new, nor an index.
IndexBuildReport index_build(const IndexBuildParams & params,
                             const std::function<void(size_t done, size_t total)> & progress = {});

// ============================================================================ querying
enum class ResponseMode {
    Compact,  // pack as many chunks per prompt as fit, then refine pack by pack (the reference)
    Refine,   // one chunk per prompt: QA on the first, refine with each next one
};

struct QueryEngineParams {
    std::string index_dir;
    std::string embed_model;   // "" = the model recorded in the index manifest
    GeneratorParams llm;       // model "" = the embedded default; n_ctx 1024 as the reference
    SamplingParams sampling;   // temperature 0.7, top-k 50, 128 new tokens, as the reference
    int top_k = 3;             // LlamaIndex similarity_top_k
    ResponseMode mode = ResponseMode::Compact;
    int n_threads = 0;         // 0 = all cores
    bool verify_index = true;  // check the index files' CRC-32C on load
    HubParams hub;
};

struct SourceNode {
    IndexNode node;
    float cosine = 0;  // cosine similarity between the query and the node
};

struct Response {
    std::string query;
    std::string answer;
    bool vanilla = false;
    std::vector<SourceNode> sources;  // best first; empty for vanilla
    int llm_calls = 0;
    int prompt_tokens = 0;
    int completion_tokens = 0;
    StopReason stop = StopReason::MaxTokens;
    double retrieve_ms = 0;
    double llm_ms = 0;
    double total_ms = 0;
};

struct QueryEngine;  // opaque
using QueryEnginePtr = std::unique_ptr<QueryEngine, void (*)(QueryEngine *)>;
using TokenCallback = std::function<void(const std::string & piece)>;

// Loads the index and the embedder it was built with (refusing another model); the
// LLM is loaded on the first ask/vanilla, so retrieval-only use never loads it.
QueryEnginePtr query_engine_load(const QueryEngineParams & params);
// Retrieve top_k nodes, then synthesize the answer from them.
Response query_engine_ask(QueryEngine & qe, const std::string & query, const TokenCallback & on_token = {});
// The same LLM, chat wrapper and sampling, with the bare query (no retrieval).
Response query_engine_vanilla(QueryEngine & qe, const std::string & query, const TokenCallback & on_token = {});
// The settings that load another embedder like the engine's (the index's model,
// pooling and query instruction, the engine's threads and hub): a second one for
// work beside retrieval, as `ragppo serve` embeds its /v1/embeddings requests.
EmbedderParams query_engine_embedder_params(const QueryEngine & qe);
// Retrieval only (no LLM call); top_k 0 = the engine's.
std::vector<SourceNode> query_engine_retrieve(const QueryEngine & qe, const std::string & query, int top_k = 0);
IndexManifest query_engine_manifest(const QueryEngine & qe);
// The embedder the engine retrieves with (the index's model).
Embedder & query_engine_embedder(QueryEngine & qe);

// ============================================================================ synthesis
// The response synthesizer alone (LlamaIndex's get_response_synthesizer): an answer to
// `query` from `chunks` with `g`: compact packs as many chunks per prompt as fit and
// refines pack by pack; refine takes one chunk per prompt.
struct Synthesis {
    std::string answer;
    int llm_calls = 0;
    int prompt_tokens = 0;
    int cached_prompt_tokens = 0;  // of prompt_tokens: Generation::cached_prompt_tokens, summed
    int completion_tokens = 0;
    double llm_ms = 0;
    StopReason stop = StopReason::MaxTokens;  // of the last call
};

// `on_token` streams the pieces of the final LLM call only (earlier calls are drafts).
// Throws ragppo::Error when `chunks` is empty.
Synthesis synthesize(Generator & g, const std::string & query, const std::vector<std::string> & chunks,
                     ResponseMode mode, const SamplingParams & sampling, const TokenCallback & on_token = {});

}  // namespace ragppo
