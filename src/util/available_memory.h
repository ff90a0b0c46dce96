// How much memory this process may still allocate, for refusing a job that cannot fit
// before it starts (instead of an OOM kill or a libtorch stack trace half-way).
#pragma once

#include "ragppo/util.h"

#include <cstdint>
#include <optional>
#include <string>

namespace ragppo::util {

// The public utility face declares available_memory_bytes() and format_bytes().
using ragppo::available_memory_bytes;
using ragppo::format_bytes;

// MemAvailable of a /proc/meminfo text in bytes; nullopt if it has none.
std::optional<uint64_t> parse_mem_available(const std::string & meminfo);

}  // namespace ragppo::util
