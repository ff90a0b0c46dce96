// ragppo public API: the one header front ends (CLI, server, bindings) include.
//
// Shape follows llama.cpp's public API: opaque handles, plain structs of
// parameters whose members carry the defaults, free functions. Errors are thrown
// as ragppo::Error with a one-line, human-readable message.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ragppo {

struct Error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// ============================================================================ hub
// Models and datasets are named as on the Hugging Face Hub:
//   "org/name", "org/name@revision", "org/name:Q4_K_M" (GGUF quant tag),
// or by a local path (file or directory), accepted wherever an id is.

enum class RepoType { Model, Dataset };

struct HubParams {
    std::string endpoint;         // "" = $HF_ENDPOINT or https://huggingface.co/
    std::string cache_dir;        // "" = $HF_HUB_CACHE, $HF_HOME/hub, ~/.cache/huggingface/hub
    std::vector<std::string> extra_read_dirs;  // read-only caches searched after cache_dir (bundled defaults)
    std::string token;            // "" = $HF_TOKEN
    std::optional<bool> offline;  // unset = $HF_HUB_OFFLINE
    bool refresh = false;         // ask the server even when the ref is already cached
    bool progress = true;         // progress bar on a terminal (never when stderr is not a TTY)
};

struct HubFile {
    std::string repo;      // "org/name"
    std::string revision;  // commit hash it resolved to ("" for local paths)
    std::string path;      // path inside the repo
    std::string local;     // absolute local path
};

// The Hub cache directory HubParams resolves to.
std::string hub_cache_dir(const HubParams & params = {});

// Resolve one file of a repo to a local path, downloading it into the cache if needed.
// `spec` may be a local file path, in which case it is returned as it is.
HubFile hub_resolve_file(const std::string & spec, const std::string & filename,
                         RepoType type = RepoType::Model, const HubParams & params = {});

// Resolve a GGUF model: a local .gguf path, or "org/name[@rev][:quant]" whose repo
// holds .gguf files (the quant tag picks one; default: the only one, else Q4_K_M, else the first).
HubFile hub_resolve_gguf(const std::string & spec, const HubParams & params = {});

// Download (or find in the cache) every file of a repo whose path matches one of the
// glob patterns ("*" for all). Returns the snapshot directory.
std::string hub_snapshot(const std::string & spec, const std::vector<std::string> & patterns,
                         RepoType type = RepoType::Model, const HubParams & params = {});

// The default embedded models (bundled Hub cache laid out by scripts/setup.sh).
std::string default_llm_id();
// The default embedder's Hub id: all-MiniLM-L6-v2 in BF16 where the CPU has AVX512_BF16
// (and the bundled cache has it), else F32; RAGPPO_EMBED_DTYPE=f32|bf16 overrides.
std::string default_embedder_id();
std::string default_embedder_f32_id();
std::string bundled_hub_dir();

// ============================================================================ embeddings
enum class Pooling { FromModel, Cls, Mean, Last };

struct EmbedderParams {
    std::string model;              // GGUF id or path (see hub_resolve_gguf)
    Pooling pooling = Pooling::FromModel;
    bool normalize = true;          // L2-normalise each vector
    std::string query_instruction;  // prefixed to queries only (BGE: "Represent this question ...")
    int max_tokens = 0;             // truncate longer texts; 0 = the model's trained context (BGE: 512)
    int n_threads = 0;              // 0 = all cores
    int batch_tokens = 0;           // tokens per batch, padding included (>= max_tokens); 0 = the engine's default
    bool llama_graph = false;       // run BERTs on llama.cpp's graph instead of ragppo's (for comparison)
    HubParams hub;
};

// The largest batch_tokens accepted (or the model's max_tokens where that is larger):
// the batch's attention scores grow with its square (8192 tokens: ~3 GB for a 12-head
// model; 65536 would be ~200 GB). embedder_load refuses more, and negative sizes.
inline constexpr int kMaxEmbedBatchTokens = 8192;

struct Embedder;  // opaque
using EmbedderPtr = std::unique_ptr<Embedder, void (*)(Embedder *)>;

EmbedderPtr embedder_load(const EmbedderParams & params);
int embedder_dim(const Embedder & e);
int embedder_max_tokens(const Embedder & e);
Pooling embedder_pooling(const Embedder & e);
// Tokens per batch, padding included (what batch_tokens 0 resolved to).
int embedder_batch_tokens(const Embedder & e);
// What runs the model: "ragppo-bert" (ragppo's ggml graph) or "llama.cpp".
std::string embedder_engine(const Embedder & e);
// Tokens in a text without special tokens and without truncation (chunk budgeting).
int embedder_count_tokens(const Embedder & e, const std::string & text);
// Token ids exactly as the model sees them (with [CLS]/[SEP]), truncated to the max length.
std::vector<int32_t> embedder_tokenize(const Embedder & e, const std::string & text);
// Embed documents (no instruction). Row-major [texts.size() x dim].
std::vector<float> embed_documents(Embedder & e, const std::vector<std::string> & texts,
                                   const std::function<void(size_t done, size_t total)> & on_progress = {});
// Embed queries: the query instruction is prefixed first.
std::vector<float> embed_queries(Embedder & e, const std::vector<std::string> & texts);

// The BGE query instruction for BGE English models (as LlamaIndex adds it), else "".
std::string default_query_instruction(const std::string & embed_model_id);

// ============================================================================ generation
struct SamplingParams {
    float temperature = 0.7f;  // 0 = greedy
    int top_k = 50;            // 0 = off; 50 = the reference (transformers' GenerationConfig default)
    float top_p = 1.0f;        // 1 = off
    float min_p = 0.0f;        // 0 = off; keeps tokens at least min_p times as likely as the most likely one
    // Penalties on tokens this answer already generated (llama.cpp's penalties sampler),
    // not on the prompt's: a RAG answer should repeat the retrieved recipe's words,
    // just not its own lines. The reference uses none.
    float repeat_penalty = 1.0f;     // 1 = off; > 1 divides a seen token's positive logit (HF repetition_penalty)
    float presence_penalty = 0.0f;   // OpenAI's: subtracted once from each seen token's logit
    float frequency_penalty = 0.0f;  // OpenAI's: subtracted once per occurrence
    int penalty_last_n = 64;         // how many of the latest generated tokens count as seen; 0 = penalties off
    uint32_t seed = 42;
    int max_new_tokens = 128;
    // OpenAI's `stop`: the text ends before the first of these to appear, and
    // decoding stops there (StopReason::StopSequence). Empty strings are ignored.
    std::vector<std::string> stop;
};

enum class ChatFormat {
    Auto,       // Phi3 for Phi-3 models (the reference wrapper), else Template, else Raw
    Raw,        // the prompt as it is (completion)
    Template,   // the GGUF's own chat template (llama.cpp's Jinja engine)
    Phi3,       // the reference wrapper: "<|user|>\n{prompt} <|end|>\n<|assistant|>"
};

struct GeneratorParams {
    std::string model;    // GGUF id or path
    int n_ctx = 1024;     // context window (the reference uses 1,024)
    int n_threads = 0;    // 0 = all cores
    ChatFormat format = ChatFormat::Auto;
    HubParams hub;
};

enum class StopReason { EndOfTurn, MaxTokens, StopSequence };

struct Generation {
    std::string text;
    StopReason stop = StopReason::MaxTokens;
    int prompt_tokens = 0;
    // Of prompt_tokens, those whose KV cells a batched generator kept from its
    // sequence's previous generation (a shared prefix, e.g. the chat template's
    // system prompt) and so did not evaluate again. 0 for a lone generator.
    int cached_prompt_tokens = 0;
    int completion_tokens = 0;
    double prompt_ms = 0;
    double generate_ms = 0;
};

struct Generator;  // opaque
using GeneratorPtr = std::unique_ptr<Generator, void (*)(Generator *)>;

GeneratorPtr generator_load(const GeneratorParams & params);
// `n_seq` handles onto one model and one llama.cpp context (continuous batching, as
// llama-server's slots): each handle is used by one thread at a time, and the
// generations in flight on all of them decode together, one sequence each, in one
// batch per step (`params.n_threads` threads for the whole context). Each
// generation has `params.n_ctx` tokens of context of its own. `on_token` runs on the
// engine's thread: it must not block (every sequence waits for it).
std::vector<GeneratorPtr> generator_load_batched(const GeneratorParams & params, int n_seq);
int generator_n_ctx(const Generator & g);
// The prompt as the model will read it once the chat format is applied.
std::string generator_format(const Generator & g, const std::string & user_prompt);
// Token count of a text with the model's tokenizer (for prompt budgeting).
int generator_count_tokens(const Generator & g, const std::string & text);
// Generate a reply to `user_prompt`; `on_token` receives each piece of text as it is decoded.
// Throws ragppo::Error if the prompt plus max_new_tokens does not fit the context window.
Generation generate(Generator & g, const std::string & user_prompt, const SamplingParams & sampling,
                    const std::function<void(const std::string & piece)> & on_token = {});

const char * stop_reason_name(StopReason r);

// The sampling answers start from with `model` (as GeneratorParams::model; "" = the
// embedded default): the reference's (temperature 0.7, top-k 50, no penalties), and for
// the embedded default LLM greedy decoding with a repetition penalty of 1.1, which
// keeps its short answers from looping and on the retrieved recipes (measured with
// eval-answers: docs/MODELS.md). The CLI and the server take the temperature and the
// penalties from here unless the user sets them.
SamplingParams default_sampling(const std::string & model);

// ============================================================================ system
// What this process runs on, for `ragppo system-info` and bug reports.
struct CpuBackendInfo {
    std::string variant;                          // ggml CPU variant in use: "zen4", "haswell", "x64", ...
    std::string module;                           // the module file it was loaded from
    std::string dir;                              // folder the modules are loaded from
    std::vector<std::string> features;            // CPU features that variant was built for (and the CPU has)
    std::vector<std::string> extra_buffer_types;  // weight layouts it offers ("CPU_REPACK"; "AMX" only with RAGPPO_GGML_AMX)
    std::vector<std::string> devices;             // ggml devices, "name (description)"
};
// Loads the backend if needed. RAGPPO_CPU_VARIANT=<name> forces a variant (error if the CPU lacks it).
CpuBackendInfo cpu_backend_info();
// Variant modules present in the backend folder, sorted ("haswell", "icelake", ...).
std::vector<std::string> cpu_backend_variants();
std::string cpu_model_name();                                            // /proc/cpuinfo "model name"
std::vector<std::string> cpu_flags(const std::vector<std::string> & wanted);  // those of `wanted` the CPU reports
std::string llama_cpp_version();                                         // ggml version + the pinned sdist release
std::string libtorch_version();                                          // "2.13.0"
std::vector<std::string> libtorch_build_info();                          // BLAS, LAPACK, oneDNN, CPU capability, threads
std::string arrow_version();                                             // Arrow C++ (Parquet reader)
// Threads a call given `requested` runs on: `requested` when > 0, else every core
// (what n_threads 0 means for the embedder, the generator and libtorch).
int default_threads(int requested = 0);

}  // namespace ragppo
