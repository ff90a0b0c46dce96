// How much memory this process may still allocate, for refusing a job that cannot fit
// before it starts (instead of an OOM kill or a libtorch stack trace half-way).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace ragppo::util {

// The smaller of the kernel's MemAvailable (/proc/meminfo) and, inside a cgroup v2
// with a memory limit (a container), that limit less the group's current use; the
// free physical pages (sysconf) where /proc is missing. nullopt when none is known.
std::optional<uint64_t> available_memory_bytes();

// MemAvailable of a /proc/meminfo text in bytes; nullopt if it has none.
std::optional<uint64_t> parse_mem_available(const std::string & meminfo);

// "1.5 GB", "512.0 MB" (powers of 1024, one decimal), for messages.
std::string format_bytes(double bytes);

}  // namespace ragppo::util
