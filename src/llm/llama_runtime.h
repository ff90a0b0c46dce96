// Shared plumbing over llama.cpp: one-time backend start-up, quiet logging, and
// model loading with readable errors (llama.cpp itself only logs and returns null).
#pragma once

#include <llama.h>

#include <memory>
#include <string>
#include <vector>

namespace ragppo::llm {

struct ModelDeleter { void operator()(llama_model * m) const { llama_model_free(m); } };
struct ContextDeleter { void operator()(llama_context * c) const { llama_free(c); } };
struct SamplerDeleter { void operator()(llama_sampler * s) const { llama_sampler_free(s); } };
using ModelPtr = std::unique_ptr<llama_model, ModelDeleter>;
using ContextPtr = std::unique_ptr<llama_context, ContextDeleter>;
using SamplerPtr = std::unique_ptr<llama_sampler, SamplerDeleter>;

// Start llama.cpp's backends once per process and route its log to stderr only for
// warnings and errors (everything when RAGPPO_VERBOSE is set).
void ensure_backend();

// Check that `path` is a readable GGUF file and load it on the CPU (or whatever
// backends are built in). Throws ragppo::Error naming the file on any failure.
// `vocab_only`: the tokenizer and hyperparameters without the weights.
ModelPtr load_gguf(const std::string & path, bool vocab_only = false);

// Threads to use when the caller passes 0: every hardware thread.
int default_threads(int requested);

// Text of one token; `special` renders control tokens (e.g. "<|end|>") as text.
std::string token_piece(const llama_vocab * vocab, llama_token token, bool special);

// Tokenize with llama.cpp's tokenizer, growing the buffer as needed.
std::vector<llama_token> tokenize(const llama_vocab * vocab, const std::string & text,
                                  bool add_special, bool parse_special);

}  // namespace ragppo::llm
