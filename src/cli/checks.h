// Range checks for flags, as CLI11 validators that throw ragppo::Error: a bad value
// ends like every other error, one line "ragppo: error: --top-p must be in (0, 1], got 2"
// and exit code 1 (CLI11's own validation errors print two lines and exit 105). The
// validator's description puts the range into --help.
#pragma once

#include "ragppo.h"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>

namespace ragppo::cli {

namespace checks_detail {

inline std::string shown(const std::string & v) { return v.size() > 40 ? v.substr(0, 40) + "..." : v; }

inline std::string num(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", x);
    return buf;
}

inline std::string interval(double lo, double hi, bool lo_open, bool hi_open) {
    if (std::isinf(hi)) return std::string(lo_open ? "> " : ">= ") + num(lo);
    return std::string(lo_open ? "(" : "[") + num(lo) + ", " + num(hi) + (hi_open ? ")" : "]");
}

}  // namespace checks_detail

// A finite real number in the interval [lo, hi] (open ends as asked; hi = inf: no
// upper bound). nan and inf are refused.
inline CLI::Validator real_in(const std::string & flag, double lo, double hi, bool lo_open = false, bool hi_open = false) {
    using namespace checks_detail;
    const std::string range = interval(lo, hi, lo_open, hi_open);
    return CLI::Validator(
        [=](std::string & v) -> std::string {
            errno = 0;
            char * end = nullptr;
            const double x = std::strtod(v.c_str(), &end);
            if (v.empty() || end == v.c_str() || *end != '\0') throw Error(flag + " must be a number, got '" + shown(v) + "'");
            if (!std::isfinite(x) || errno == ERANGE) throw Error(flag + " must be a finite number " + range + ", got " + shown(v));
            const bool below = lo_open ? !(x > lo) : x < lo;
            const bool above = hi_open ? !(x < hi) : x > hi;
            if (below || above) {
                throw Error(flag + " must be " + (range[0] == '>' ? "" : "in ") + range + ", got " + shown(v));
            }
            return "";
        },
        range);
}

// A whole number in [lo, hi]; a bound of INT_MAX or more reads ">= lo" in --help.
inline CLI::Validator int_in(const std::string & flag, long long lo, long long hi) {
    using namespace checks_detail;
    const bool open_top = hi >= std::numeric_limits<int>::max();
    const std::string range = open_top ? ">= " + std::to_string(lo) : std::to_string(lo) + ".." + std::to_string(hi);
    return CLI::Validator(
        [=](std::string & v) -> std::string {
            errno = 0;
            char * end = nullptr;
            const long long x = std::strtoll(v.c_str(), &end, 10);
            if (v.empty() || end == v.c_str() || *end != '\0') throw Error(flag + " must be a whole number, got '" + shown(v) + "'");
            if (errno == ERANGE || x > hi) {
                throw Error(flag + " must be " + (open_top ? "at most " + std::to_string(hi)
                                                           : "between " + std::to_string(lo) + " and " + std::to_string(hi)) +
                            ", got " + shown(v));
            }
            if (x < lo) {
                throw Error(flag + " must be " + (open_top ? range : "between " + std::to_string(lo) + " and " + std::to_string(hi)) +
                            ", got " + shown(v));
            }
            return "";
        },
        range);
}

// A text with something in it besides white space.
inline CLI::Validator not_blank(const std::string & what) {
    return CLI::Validator(
        [=](std::string & v) -> std::string {
            if (v.find_first_not_of(" \t\r\n\f\v") == std::string::npos) throw Error(what + " is empty");
            return "";
        },
        "");
}

// Limits stated in --help and checked here (docs/RELIABILITY.md).
inline constexpr long long kMaxRetrievalTopK = 1000;      // nodes retrieved per query
inline constexpr long long kMaxNewTokens = 1 << 20;       // far above any context window
inline constexpr long long kMaxPpoBatch = 1024;           // rollouts per PPO step (memory grows with it)
inline constexpr long long kMaxPpoSteps = 100'000'000;

}  // namespace ragppo::cli
