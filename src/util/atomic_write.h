// Crash-safe writes of files and directories, the one mechanism every writer uses: a
// kill or power loss at any moment leaves either the previous complete file/directory
// or the new complete one at the target path. New content goes under a temp name
// beside the target, is fsynced, renamed over the target, and the parent directory is
// fsynced so the rename itself is durable.
#pragma once

#include "ragppo/util.h"

#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace ragppo::util {

// Whole files: temp file beside it, fsync, rename, fsync of the directory (the public
// utility face declares it).
using ragppo::write_file_atomic;

// Build a new directory with `fill(tmp)` under a temp name beside `target`, fsync it,
// then swap it in (renameat2 RENAME_EXCHANGE where the filesystem has it; else
// target -> backup, tmp -> target) and remove the old one.
void write_dir_atomically(const std::filesystem::path & target,
                          const std::function<void(const std::filesystem::path & tmp)> & fill);

// Undo what a writer killed between its two renames left (fallback path only):
// a backup but no target. Called before reading or writing a directory.
void recover_dir(const std::filesystem::path & target);

// Write bytes to a new file and fsync it. Throws ragppo::Error.
struct SyncedFile {
    explicit SyncedFile(const std::filesystem::path & path);
    ~SyncedFile();
    SyncedFile(const SyncedFile &) = delete;
    SyncedFile & operator=(const SyncedFile &) = delete;
    void write(const void * data, size_t n);
    void close();  // fsync + close; the destructor closes without syncing on error paths
    int fd() const { return fd_; }

  private:
    std::filesystem::path path_;
    int fd_ = -1;
};

void fsync_path(const std::filesystem::path & path);  // a file or a directory

// ---- test hooks
// Called at each stage of a directory write ("tmp-created", "file:<name>", "synced",
// "swapped"); a test kills the process there to check crash safety.
void set_write_hook(std::function<void(std::string_view stage)> hook);
void write_hook(std::string_view stage);
// false = always take the two-rename fallback (to test it on filesystems that have RENAME_EXCHANGE).
void set_rename_exchange(bool enabled);

}  // namespace ragppo::util
