#include "util/available_memory.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace ragppo::util {

namespace {

std::optional<std::string> read_text(const char * path) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::optional<uint64_t> read_number(const char * path) {
    const auto text = read_text(path);
    if (!text) return std::nullopt;
    unsigned long long v = 0;
    if (std::sscanf(text->c_str(), "%llu", &v) != 1) return std::nullopt;  // "max": no limit
    return v;
}

// The path of this process's group in the hierarchy whose /proc/self/cgroup line
// starts with `prefix` ("0::" for cgroup v2, ":memory:" inside a v1 line).
std::optional<std::string> cgroup_path(const std::string & cgroups, const std::string & prefix) {
    std::istringstream lines(cgroups);
    for (std::string line; std::getline(lines, line);) {
        const size_t at = prefix == "0::" ? (line.rfind("0::", 0) == 0 ? 0 : std::string::npos) : line.find(prefix);
        if (at != std::string::npos) return line.substr(at + prefix.size());
    }
    return std::nullopt;
}

// Room left under a group's memory limit: `dir` is the group's folder, or the mount's
// root when the group is not visible there (a container sees only its own root).
std::optional<uint64_t> room_under(const std::string & root, const std::string & group, const char * limit_file,
                                   const char * usage_file) {
    for (const std::string & dir : {root + (group == "/" ? std::string() : group), root}) {
        const auto limit = read_number((dir + "/" + limit_file).c_str());
        if (!limit) continue;
        if (*limit >= (uint64_t{1} << 60)) return std::nullopt;  // v1's "no limit" is a huge number
        const uint64_t used = read_number((dir + "/" + usage_file).c_str()).value_or(0);
        return *limit > used ? *limit - used : 0;
    }
    return std::nullopt;
}

// Room left under this process's cgroup memory limit (a container's), if it has one.
std::optional<uint64_t> cgroup_room() {
    const auto self = read_text("/proc/self/cgroup");
    if (!self) return std::nullopt;
    if (const auto v1 = cgroup_path(*self, ":memory:"))
        if (auto room = room_under("/sys/fs/cgroup/memory", *v1, "memory.limit_in_bytes", "memory.usage_in_bytes")) return room;
    if (const auto v2 = cgroup_path(*self, "0::")) return room_under("/sys/fs/cgroup", *v2, "memory.max", "memory.current");
    return std::nullopt;
}

}  // namespace

std::optional<uint64_t> parse_mem_available(const std::string & meminfo) {
    const size_t at = meminfo.find("MemAvailable:");
    if (at == std::string::npos) return std::nullopt;
    unsigned long long kb = 0;
    if (std::sscanf(meminfo.c_str() + at, "MemAvailable: %llu kB", &kb) != 1) return std::nullopt;
    return static_cast<uint64_t>(kb) * 1024;
}

}  // namespace ragppo::util

namespace ragppo {

std::optional<uint64_t> available_memory_bytes() {
    using namespace util;
    std::optional<uint64_t> avail;
    if (const auto meminfo = read_text("/proc/meminfo")) avail = parse_mem_available(*meminfo);
    if (!avail) {
        const long pages = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        if (pages > 0 && page > 0) avail = static_cast<uint64_t>(pages) * static_cast<uint64_t>(page);
    }
    if (const auto room = cgroup_room()) avail = avail ? std::min(*avail, *room) : *room;
    return avail;
}

std::string format_bytes(double bytes) {
    const char * units[] = {"bytes", "KB", "MB", "GB", "TB", "PB"};
    int u = 0;
    while (bytes >= 1024 && u < 5) {
        bytes /= 1024;
        ++u;
    }
    char buf[48];
    if (u == 0) std::snprintf(buf, sizeof buf, "%.0f bytes", bytes);
    else std::snprintf(buf, sizeof buf, "%.1f %s", bytes, units[u]);
    return buf;
}

}  // namespace ragppo
