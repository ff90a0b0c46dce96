#include "llm/batch_engine.h"

#include "llm/decoding.h"
#include "util/timer.h"

#include <algorithm>
#include <optional>

namespace ragppo::llm {

using util::Clock;
using util::ms_since;

namespace {

size_t common_prefix(const std::vector<llama_token> & a, const std::vector<llama_token> & b) {
    return static_cast<size_t>(std::mismatch(a.begin(), a.end(), b.begin(), b.end()).first - a.begin());
}

}  // namespace

struct BatchEngine::Job {
    const std::vector<llama_token> * prompt;
    Decoding decoding;
    llama_seq_id seq = -1;
    llama_pos pos = 0;                 // where the next token goes in its sequence
    std::optional<llama_token> next;   // the token to evaluate next (none: the prompt)
    size_t reused = 0;                 // prompt tokens whose cells its sequence kept
    int32_t output = -1;               // its logits' index in this step's batch
    Clock::time_point started, prompt_done;
    double prompt_ms = 0;
    // Set by the engine thread under mu_ when the job is over.
    bool done = false;
    Generation result;
    std::exception_ptr error;

    Job(const std::vector<llama_token> & p, const llama_vocab * vocab, const SamplingParams & s,
        const std::function<void(const std::string &)> & on_token)
        : prompt(&p), decoding(vocab, s, on_token) {}
};

BatchEngine::BatchEngine(llama_model * model, int n_seq, int n_ctx_per_seq, int n_threads)
    : vocab_(llama_model_get_vocab(model)), n_seq_(n_seq) {
    if (n_seq < 1) throw Error("the batch engine needs at least one sequence, got " + std::to_string(n_seq));
    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = static_cast<uint32_t>(n_seq) * static_cast<uint32_t>(n_ctx_per_seq);
    cp.n_batch = cp.n_ctx;  // every prompt of a step in one llama_decode (split into ubatches inside)
    cp.n_seq_max = static_cast<uint32_t>(n_seq);
    // A KV stream of n_ctx_per_seq cells per sequence, as llama-server's explicit
    // --parallel slots have: attention then reads one sequence's cells, not every
    // sequence's. (A unified buffer, tried: 0.65x llama-server's tokens/s under the
    // load benchmark, against 1.05x with streams. llama.cpp puts only consecutive
    // sequence ids in one ubatch with streams, so a gap among running sequences costs
    // an extra graph run in that step; new sequences take the lowest free id.)
    cp.kv_unified = false;
    cp.n_threads = cp.n_threads_batch = n_threads;
    cp.no_perf = true;
    ctx_.reset(llama_init_from_model(model, cp));
    if (!ctx_) throw Error("failed to create a generation context of " + std::to_string(n_seq) + " sequences");
    batch_ = llama_batch_init(static_cast<int32_t>(cp.n_batch), 0, 1);
    cells_.assign(static_cast<size_t>(n_seq), {});
    thread_ = std::thread([this] { loop(); });
}

BatchEngine::~BatchEngine() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
    llama_batch_free(batch_);
}

Generation BatchEngine::run(const std::vector<llama_token> & prompt, const SamplingParams & sampling,
                            const std::function<void(const std::string &)> & on_token) {
    // Its logits come from its last token: an empty prompt has none (generate() refuses it first).
    if (prompt.empty()) throw Error("the prompt is empty");
    Job job(prompt, vocab_, sampling, on_token);
    job.started = Clock::now();
    std::unique_lock<std::mutex> lock(mu_);
    if (stopping_) throw Error("the generation engine is shutting down");
    waiting_.push_back(&job);
    wake_.notify_all();
    wake_.wait(lock, [&] { return job.done; });
    if (job.error) std::rethrow_exception(job.error);
    Generation g = std::move(job.result);
    g.prompt_tokens = static_cast<int>(prompt.size());
    g.cached_prompt_tokens = static_cast<int>(job.reused);
    g.prompt_ms = job.prompt_ms;
    g.generate_ms = ms_since(job.prompt_done);
    return g;
}

BatchEngine::Stats BatchEngine::stats() {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
}

void BatchEngine::loop() {
    std::vector<Job *> running;             // by sequence id; null = free
    running.assign(static_cast<size_t>(n_seq_), nullptr);
    for (;;) {
        {
            std::unique_lock<std::mutex> lock(mu_);
            auto busy = [&] {
                for (auto * j : running)
                    if (j) return true;
                return false;
            };
            wake_.wait(lock, [&] { return stopping_ || !waiting_.empty() || busy(); });
            // Only the last handle's destruction stops the engine, and no handle is then
            // inside run(): nothing can be waiting or running here.
            if (stopping_) return;
            // Waiting callers, oldest first, each take the free sequence whose cells share
            // the longest prefix with their prompt; on a tie (chat prompts mostly share just
            // the template's head) the lowest id, which keeps running ids consecutive more
            // often: a gap costs a graph run (see the constructor).
            while (!waiting_.empty()) {
                Job * j = waiting_.front();
                size_t best = running.size(), best_len = 0;
                for (size_t s = 0; s < running.size(); ++s) {
                    if (running[s]) continue;
                    const size_t len = common_prefix(cells_[s], *j->prompt);
                    if (best == running.size() || len > best_len) best = s, best_len = len;
                }
                if (best == running.size()) break;
                running[best] = j;
                j->seq = static_cast<llama_seq_id>(best);
                waiting_.pop_front();
            }
        }
        step(running);
    }
}

size_t BatchEngine::reuse_prefix(llama_seq_id seq, const std::vector<llama_token> & prompt) {
    auto & cells = cells_[static_cast<size_t>(seq)];
    size_t keep = std::min(common_prefix(cells, prompt), prompt.size() - 1);
    llama_memory_t mem = llama_get_memory(ctx_.get());
    if (keep < cells.size()) {
        // A memory that cannot drop a tail (a recurrent model's) is emptied instead.
        if (!llama_memory_seq_rm(mem, seq, static_cast<llama_pos>(keep), -1)) {
            forget(seq);
            return 0;
        }
        cells.resize(keep);
    }
    // Reuse only cells that are all there: a memory that dropped old positions (a
    // sliding window) would otherwise give a wrong answer without an error.
    if (keep > 0 && (llama_memory_seq_pos_min(mem, seq) != 0 || llama_memory_seq_pos_max(mem, seq) != static_cast<llama_pos>(keep) - 1)) {
        forget(seq);
        return 0;
    }
    return keep;
}

void BatchEngine::forget(llama_seq_id seq) {
    llama_memory_seq_rm(llama_get_memory(ctx_.get()), seq, -1, -1);
    cells_[static_cast<size_t>(seq)].clear();
}

// One llama_decode over every running sequence, then one sampled token each.
void BatchEngine::step(std::vector<Job *> & running) {
    batch_.n_tokens = 0;
    auto add = [&](llama_token t, llama_pos pos, llama_seq_id seq, bool logits) {
        const int32_t i = batch_.n_tokens++;
        batch_.token[i] = t;
        batch_.pos[i] = pos;
        batch_.n_seq_id[i] = 1;
        batch_.seq_id[i][0] = seq;
        batch_.logits[i] = logits;
        return i;
    };
    int sequences = 0;
    uint64_t reused = 0;
    for (auto * j : running) {
        if (!j) continue;
        ++sequences;
        auto & cells = cells_[static_cast<size_t>(j->seq)];
        if (!j->next) {  // a new sequence: its prompt past the kept cells, logits for the last token
            const auto & p = *j->prompt;
            j->reused = reuse_prefix(j->seq, p);
            reused += j->reused;
            for (size_t k = j->reused; k < p.size(); ++k) {
                j->output = add(p[k], static_cast<llama_pos>(k), j->seq, k + 1 == p.size());
                cells.push_back(p[k]);
            }
            j->pos = static_cast<llama_pos>(p.size());
        } else {
            j->output = add(*j->next, j->pos++, j->seq, true);
            cells.push_back(*j->next);
        }
    }
    {
        std::lock_guard<std::mutex> lock(mu_);
        ++stats_.steps;
        stats_.tokens += static_cast<uint64_t>(batch_.n_tokens);
        stats_.prompt_tokens_reused += reused;
        stats_.most_sequences_in_a_step = std::max(stats_.most_sequences_in_a_step, sequences);
    }
    // A failed decode (no room, or an error) ends every sequence of the step: each
    // caller gets the error and its cells are freed.
    const bool ok = llama_decode(ctx_.get(), batch_) == 0;

    std::vector<Job *> finished;
    for (auto *& j : running) {
        if (!j) continue;
        const bool first = !j->next;
        if (first) {  // from the call, so time queued for a free sequence counts
            j->prompt_ms = ms_since(j->started);
            j->prompt_done = Clock::now();
        }
        std::optional<llama_token> t;
        try {
            if (!ok) throw Error(first ? "llama.cpp failed to evaluate the prompt" : "llama.cpp failed to evaluate a generated token");
            t = j->decoding.next(ctx_.get(), j->output);
        } catch (...) {
            j->error = std::current_exception();
        }
        if (t && !j->error) {
            j->next = t;
            continue;
        }
        if (!j->error) {
            try {
                j->result = j->decoding.finish();
            } catch (...) {
                j->error = std::current_exception();
            }
        }
        // A finished generation's cells stay for the next prompt that shares their
        // start; after a failure they may not hold what cells_ says, so they go.
        if (j->error) forget(j->seq);
        finished.push_back(j);
        j = nullptr;
    }
    if (finished.empty()) return;
    std::lock_guard<std::mutex> lock(mu_);
    for (auto * j : finished) j->done = true;
    wake_.notify_all();
}

}  // namespace ragppo::llm
