// Summaries of a list of numbers for logs and reports, with torch's semantics so our
// statistics read like TRL's (torch.mean, torch.std: unbiased; NaN where undefined).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ragppo::util {

struct MeanStd {
    double mean;  // NaN for no values
    double std;   // unbiased (n - 1); NaN for fewer than two values
};
MeanStd mean_std(const std::vector<double> & xs);
MeanStd mean_std(const std::vector<int64_t> & xs);

// One number through a printf format ("%.3f"), for status lines and tables.
std::string format_number(const char * printf_format, double v);

}  // namespace ragppo::util
