// Counters for GET /metrics in Prometheus' text format: requests by route and
// status, tokens in and out, time to first token and request latency histograms;
// queue depth and busy slots are read from the slot pool when the page is drawn.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace ragppo::serve {

class Histogram {
public:
    explicit Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}
    void observe(double x);
    void render(std::string & out, const std::string & name, const std::string & help) const;

private:
    std::vector<double> bounds_;
    std::vector<unsigned long long> counts_;  // per bucket, not cumulative; the last is +Inf
    double sum_ = 0;
    unsigned long long count_ = 0;
};

// Read from the slot pool and the embedder when the page is drawn.
struct SlotGauges {
    size_t queued = 0;
    size_t max_queued = 0;
    int busy = 0;
    int slots = 0;
    unsigned long long embed_requests = 0;  // /v1/embeddings requests embedded
    unsigned long long embed_batches = 0;   // embedder calls they took (concurrent ones share one)
};

class Metrics {
public:
    Metrics();
    void count_request(const std::string & route, int status);
    void count_answer(const std::string & model, int prompt_tokens, int completion_tokens, double first_token_s, double latency_s);
    std::string render(const SlotGauges & g) const;

private:
    mutable std::mutex mu_;
    std::map<std::pair<std::string, int>, unsigned long long> requests_;
    std::map<std::string, unsigned long long> prompt_tokens_, completion_tokens_;
    Histogram first_token_;
    Histogram latency_;
};

}  // namespace ragppo::serve
