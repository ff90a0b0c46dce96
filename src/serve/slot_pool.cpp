#include "slot_pool.h"

#include <cstdio>

namespace ragppo::serve {

SlotPool::SlotPool(std::vector<GeneratorPtr> generators, size_t max_queued)
    : generators_(std::move(generators)), max_queued_(max_queued) {
    for (auto & g : generators_) workers_.emplace_back([this, gen = g.get()] { work(*gen); });
}

SlotPool::~SlotPool() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    for (auto & t : workers_) t.join();
}

bool SlotPool::try_submit(Job job) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_ || jobs_.size() >= max_queued_) return false;
        jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
    return true;
}

size_t SlotPool::queued() const {
    std::lock_guard<std::mutex> lock(mu_);
    return jobs_.size();
}

void SlotPool::work(Generator & g) {
    for (;;) {
        Job job;
        {
            std::unique_lock<std::mutex> lock(mu_);
            cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (stopping_) return;
            job = std::move(jobs_.front());
            jobs_.pop_front();
            ++busy_;
        }
        try {
            job(g);
        } catch (const std::exception & e) {
            // Jobs report their own failures to their client; this is a last guard so a
            // worker never dies and takes its slot with it.
            std::fprintf(stderr, "ragppo serve: a job failed outside its handler: %s\n", e.what());
        }
        --busy_;
    }
}

}  // namespace ragppo::serve
