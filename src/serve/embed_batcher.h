// Concurrent /v1/embeddings requests embedded together: while one batch runs on the
// embedder, the requests that arrive wait, then go in together as the next batch (one
// call for their documents, one for their queries), the way a database groups the
// commits that queue behind a running one. A lone request runs at once, alone.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace ragppo::serve {

class EmbedBatcher {
public:
    // Embeds texts; row-major [texts x dim]. Called by one thread at a time.
    using EmbedFn = std::function<std::vector<float>(const std::vector<std::string> & texts, bool query)>;
    EmbedBatcher(EmbedFn embed, int dim) : embed_(std::move(embed)), dim_(dim) {}

    // This request's rows, embedded in a batch with whatever else was waiting.
    // Throws what the embedder throws for this request's texts.
    std::vector<float> embed(const std::vector<std::string> & texts, bool query);

    uint64_t requests() const;
    uint64_t batches() const;  // embedder calls made (a batch with both kinds counts twice)

private:
    struct Job;
    void run(const std::vector<Job *> & jobs, bool query);

    EmbedFn embed_;
    int dim_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Job *> pending_;
    bool running_ = false;
    uint64_t requests_ = 0, batches_ = 0;
};

}  // namespace ragppo::serve
