// What every route handler shares: the configuration, the loaded index and
// embedders, the generation slots and the counters behind /metrics.
#pragma once

#include "metrics.h"
#include "retrieval.h"
#include "serve_config.h"
#include "slot_pool.h"

#include <atomic>
#include <chrono>
#include <memory>

namespace ragppo::serve {

struct ServerState {
    ServeConfig config;
    std::unique_ptr<Retrieval> retrieval;
    Metrics metrics;                   // before slots: running jobs count into it until the pool joins them
    std::unique_ptr<SlotPool> slots;
    int n_ctx = 0;  // the LLM's context window: no request may ask for more new tokens
    std::atomic<unsigned long long> next_id{1};
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

    SlotGauges gauges() const {
        return {slots->queued(), slots->max_queued(), slots->busy(), slots->slots(), retrieval->embed_requests(),
                retrieval->embed_batches()};
    }
};

}  // namespace ragppo::serve
