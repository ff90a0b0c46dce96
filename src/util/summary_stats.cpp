#include "util/summary_stats.h"

#include <cmath>
#include <cstdio>
#include <limits>

namespace ragppo::util {

MeanStd mean_std(const std::vector<double> & xs) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    if (xs.empty()) return {nan, nan};
    double sum = 0;
    for (double x : xs) sum += x;
    const double mean = sum / static_cast<double>(xs.size());
    if (xs.size() < 2) return {mean, nan};
    double ss = 0;
    for (double x : xs) ss += (x - mean) * (x - mean);
    return {mean, std::sqrt(ss / static_cast<double>(xs.size() - 1))};
}

MeanStd mean_std(const std::vector<int64_t> & xs) { return mean_std(std::vector<double>(xs.begin(), xs.end())); }

std::string format_number(const char * printf_format, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, printf_format, v);
    return buf;
}

}  // namespace ragppo::util
