// Who may write a PPO run directory. A run directory carries a marker file,
// ragppo-run.json (docs/PPO_METRICS.md); ragppo writes only into a directory that is
// absent, empty, or such a run, and a fresh run never replaces an existing one
// unless asked to (--overwrite). Every check happens before anything is deleted
// or written, and the run holds a write lock (.ragppo-run.lock inside the
// directory) for as long as it writes.
#pragma once

#include "util/file_lock.h"

#include <filesystem>

namespace ragppo::rl {

inline constexpr const char * kRunMarker = "ragppo-run.json";
inline constexpr const char * kRunLock = ".ragppo-run.lock";

enum class RunDirState { Absent, Empty, Run };

// A run: it has the marker, or (runs written before the marker existed) a
// config.json with the run's "ppo" and "cli" settings.
bool is_run_dir(const std::filesystem::path & dir);

// What is at `dir`; throws ragppo::Error (one line naming the directory) for a file,
// a non-empty directory that is not a run, a fresh run into a run without
// `overwrite`, and `resume` where there is no run. Touches nothing.
RunDirState check_run_dir(const std::filesystem::path & dir, bool resume, bool overwrite);

// check_run_dir, then create the directory, take its write lock (throws if another
// process holds it), check again under the lock and, for a fresh run, remove the
// outputs of the run it replaces (only with `overwrite`) and write the marker.
// Keep the returned lock for as long as the run writes. `locked`: the caller already
// holds the lock (lock_run_dir); then none is taken and an empty one is returned.
util::FileLock claim_run_dir(const std::filesystem::path & dir, bool resume, bool overwrite, bool locked = false);

// The write lock of an existing run directory, taken up front (before minutes of
// loading) so a second writer fails at once. Throws ragppo::Error if another process
// holds it.
util::FileLock lock_run_dir(const std::filesystem::path & dir);

}  // namespace ragppo::rl
