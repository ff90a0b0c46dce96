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
    void finish();
    static bool enabled();

private:
    void draw(bool final);
    std::string label_, unit_;
    uint64_t total_ = 0, done_ = 0;
    std::chrono::steady_clock::time_point start_, last_draw_;
    bool finished_ = false;
};

}  // namespace ragppo::util
