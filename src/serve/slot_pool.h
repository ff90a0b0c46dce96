// Generation slots: one loaded Generator (its own llama.cpp context) per slot, one
// worker thread per slot, and a bounded queue in front of them. A llama.cpp context
// is not thread-safe, so each context only ever runs on its own worker; --parallel N
// gives N contexts decoding at the same time (not yet continuous batching in one
// context: each slot holds its own copy of the weights).
#pragma once

#include "ragppo.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ragppo::serve {

class SlotPool {
public:
    using Job = std::function<void(Generator &)>;

    SlotPool(std::vector<GeneratorPtr> generators, size_t max_queued);
    ~SlotPool();
    SlotPool(const SlotPool &) = delete;
    SlotPool & operator=(const SlotPool &) = delete;

    // Queues a job; false when `max_queued` jobs already wait (the caller answers 503).
    bool try_submit(Job job);

    size_t queued() const;
    int busy() const { return busy_; }
    int slots() const { return static_cast<int>(generators_.size()); }
    size_t max_queued() const { return max_queued_; }
    Generator & any_generator() { return *generators_.front(); }  // for read-only facts (n_ctx)

private:
    void work(Generator & g);

    std::vector<GeneratorPtr> generators_;
    size_t max_queued_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Job> jobs_;
    bool stopping_ = false;
    std::atomic<int> busy_{0};
    std::vector<std::thread> workers_;
};

}  // namespace ragppo::serve
