// The hand-over between a slot worker that generates an answer and the HTTP thread
// that sends it: events in order (sources, text pieces, done or failed), and a
// cancel flag the HTTP side raises when its client has gone, so the worker stops
// generating and frees its slot at the next token.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

namespace ragppo::serve {

struct AnswerEvent {
    enum class Kind { Sources, Text, Done, Failed };
    Kind kind = Kind::Text;
    std::string text;     // Text: a piece of the answer; Failed: the message
    nlohmann::json data;  // Sources: the sources; Done: the summary (usage, timings, ...)
    int status = 0;       // Failed: the HTTP status it deserves
    std::string type;     // Failed: the OpenAI error type
};

class AnswerChannel {
public:
    void push(AnswerEvent e) {
        {
            std::lock_guard<std::mutex> lock(mu_);
            events_.push_back(std::move(e));
        }
        cv_.notify_one();
    }

    // The next event, or nothing when `timeout` passes first (the caller then checks its client).
    std::optional<AnswerEvent> pop(std::chrono::milliseconds timeout) {
        std::unique_lock<std::mutex> lock(mu_);
        if (!cv_.wait_for(lock, timeout, [this] { return !events_.empty(); })) return std::nullopt;
        AnswerEvent e = std::move(events_.front());
        events_.pop_front();
        return e;
    }

    void cancel() { cancelled_ = true; }
    bool cancelled() const { return cancelled_; }

private:
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<AnswerEvent> events_;
    std::atomic<bool> cancelled_{false};
};

}  // namespace ragppo::serve
