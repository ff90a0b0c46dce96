// Continuous batching: one llama.cpp context decodes the generations of many
// callers together, each on its own sequence (llama-server's slots). A caller's
// run() blocks until its generation is over; meanwhile one engine thread builds
// a batch per step from every sequence in flight (a new sequence's whole prompt,
// or the last sampled token of a running one), decodes it once and samples
// every sequence from its own logits. A finished sequence keeps its cells: a
// waiting caller takes a free sequence on the next step, the one whose cells
// begin with the longest part of its prompt, and evaluates only the rest (as
// llama-server's prompt cache does: chat prompts share the template's head).
#pragma once

#include "llm/llama_runtime.h"
#include "ragppo.h"

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace ragppo::llm {

class BatchEngine {
public:
    // `n_seq` sequences of `n_ctx_per_seq` tokens each (separate KV streams, so one
    // sequence can never crowd out another), decoded with `n_threads` threads.
    BatchEngine(llama_model * model, int n_seq, int n_ctx_per_seq, int n_threads);
    ~BatchEngine();
    BatchEngine(const BatchEngine &) = delete;
    BatchEngine & operator=(const BatchEngine &) = delete;

    // Generates from `prompt` (tokens, chat format applied, at most n_ctx_per_seq
    // with the new ones; the caller checks). Thread-safe: more callers than sequences
    // wait, oldest first, for a sequence to finish. on_token runs on the engine
    // thread, so it must not block (it holds up every sequence) nor call run(); an
    // exception it throws ends this generation only and is rethrown here.
    // Generation::prompt_ms runs from the call: time waiting for a sequence included.
    Generation run(const std::vector<llama_token> & prompt, const SamplingParams & sampling,
                   const std::function<void(const std::string & piece)> & on_token);

    // What the engine has done so far (for tests and benchmarks).
    struct Stats {
        uint64_t steps = 0;                // llama_decode calls
        uint64_t tokens = 0;               // tokens in them
        int most_sequences_in_a_step = 0;  // 1 = never batched
        uint64_t prompt_tokens_reused = 0; // prompt tokens whose cells a sequence kept
    };
    Stats stats();

private:
    struct Job;
    void loop();
    void step(std::vector<Job *> & running);
    // Keeps the cells of `seq` that begin `prompt` (at most all but its last token,
    // which must be evaluated for its logits) and drops the rest; returns how many.
    size_t reuse_prefix(llama_seq_id seq, const std::vector<llama_token> & prompt);
    void forget(llama_seq_id seq);  // drops every cell of `seq`

    const llama_vocab * vocab_;
    int n_seq_;
    ContextPtr ctx_;
    llama_batch batch_;

    std::mutex mu_;
    std::condition_variable wake_;
    Stats stats_;
    std::deque<Job *> waiting_;
    // The tokens whose cells each sequence holds, in position order (engine thread only).
    std::vector<std::vector<llama_token>> cells_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace ragppo::llm
