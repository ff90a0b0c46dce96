// Wall-clock milliseconds for the timings reports carry (prompt, retrieval, embedding).
#pragma once

#include <chrono>

namespace ragppo::util {

using Clock = std::chrono::steady_clock;

inline double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

}  // namespace ragppo::util
