#include "embed_batcher.h"

#include <exception>

namespace ragppo::serve {

struct EmbedBatcher::Job {
    const std::vector<std::string> * texts;
    bool query;
    std::vector<float> rows;
    std::exception_ptr error;
    bool done = false;
};

std::vector<float> EmbedBatcher::embed(const std::vector<std::string> & texts, bool query) {
    Job job{&texts, query, {}, nullptr};
    std::unique_lock<std::mutex> lock(mu_);
    ++requests_;
    pending_.push_back(&job);
    while (!job.done) {
        if (running_) {
            cv_.wait(lock);
            continue;
        }
        // This thread runs everything waiting, its own job included.
        running_ = true;
        std::vector<Job *> docs, queries;
        for (Job * j : pending_) (j->query ? queries : docs).push_back(j);
        pending_.clear();
        lock.unlock();
        run(docs, false);
        run(queries, true);
        lock.lock();
        batches_ += (docs.empty() ? 0 : 1) + (queries.empty() ? 0 : 1);
        for (Job * j : docs) j->done = true;
        for (Job * j : queries) j->done = true;
        running_ = false;
        cv_.notify_all();
    }
    if (job.error) std::rethrow_exception(job.error);
    return std::move(job.rows);
}

void EmbedBatcher::run(const std::vector<Job *> & jobs, bool query) {
    if (jobs.empty()) return;
    try {  // nothing may escape: the waiting requests are only woken after this returns
        std::vector<std::string> all;
        for (const Job * j : jobs) all.insert(all.end(), j->texts->begin(), j->texts->end());
        const std::vector<float> rows = embed_(all, query);
        size_t at = 0;
        for (Job * j : jobs) {
            const size_t n = j->texts->size() * static_cast<size_t>(dim_);
            j->rows.assign(rows.begin() + static_cast<std::ptrdiff_t>(at), rows.begin() + static_cast<std::ptrdiff_t>(at + n));
            at += n;
        }
    } catch (...) {
        // One request's bad text must not fail the others: each runs alone, keeping its own error.
        for (Job * j : jobs) {
            try {
                j->rows = embed_(*j->texts, query);
            } catch (...) {
                j->error = std::current_exception();
            }
        }
    }
}

uint64_t EmbedBatcher::requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
}

uint64_t EmbedBatcher::batches() const {
    std::lock_guard<std::mutex> lock(mu_);
    return batches_;
}

}  // namespace ragppo::serve
