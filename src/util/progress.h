// A one-line progress bar on stderr, drawn only when stderr is a terminal, so
// logs and CI output stay clean.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace ragppo::util {

class ProgressBar {
public:
    // `unit` labels the counts ("texts", "B" for bytes, which also formats as KiB/MiB).
    ProgressBar(std::string label, uint64_t total, std::string unit);
    ~ProgressBar();
    void update(uint64_t done);
    // Text drawn after the counts (e.g. "reward 0.231"), until changed.
    void set_status(std::string status) { status_ = std::move(status); }
    void finish();
    static bool enabled();

private:
    void draw(bool final);
    std::string label_, unit_, status_;
    uint64_t total_ = 0, done_ = 0;
    std::chrono::steady_clock::time_point start_, last_draw_;
    bool finished_ = false;
};

}  // namespace ragppo::util
