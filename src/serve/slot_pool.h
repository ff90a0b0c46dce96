// Generation slots: one Generator handle per slot, one worker thread per slot, and a
// bounded queue in front of them. The handles come from generator_load_batched: the
// slots' generations are sequences of one llama.cpp context and one copy of the
// weights, decoded together in one batch per step (continuous batching); a worker
// blocks in generate() while its sequence runs.
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
