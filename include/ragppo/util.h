// ragppo's public API, utility face (libragppo-core): what every front end of the
// library needs around the pipelines: a progress bar for long work, crash-safe file
// writes, wall-clock timing, the memory a job may still take, and a free loopback
// port for a rendezvous or a test server.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace ragppo {

// A one-line progress bar on stderr, drawn only when stderr is a terminal, so logs
// and CI output stay clean.
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

// Write a whole file so that a kill or power loss leaves the old file or the new one,
// never a mix: temp file beside it, fsync, rename, fsync of the directory. Creates
// missing parent directories. Throws ragppo::Error naming the path.
void write_file_atomic(const std::string & path, const std::string & content);

// Wall-clock milliseconds, for the timings reports carry.
using Clock = std::chrono::steady_clock;
inline double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// How much memory this process may still allocate: the smaller of the kernel's
// MemAvailable and, inside a cgroup v2 with a memory limit, that limit less the
// group's use. nullopt when none is known.
std::optional<uint64_t> available_memory_bytes();
// "1.5 GB", "512.0 MB" (powers of 1024, one decimal), for messages.
std::string format_bytes(double bytes);

// A TCP port on 127.0.0.1 that nothing listens on at the moment of asking (another
// process may take it before the caller binds it). Throws ragppo::Error.
int free_loopback_port();

}  // namespace ragppo
