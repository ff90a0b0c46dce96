// Who may write an index directory. A writer replaces the whole directory (atomic
// swap), so it must only ever replace a directory that is absent, empty, or already
// a ragppo index; anything else (a folder of the user's files, a file, ~) is refused
// before any work is done, with a one-line error naming the directory.
#pragma once

#include "util/file_lock.h"

#include <filesystem>
#include <string>

namespace ragppo::index {

enum class OutputState { Absent, Empty, Index };

// The absolute, normalised target ("idx/", "./idx" -> /cwd/idx). Refuses "/", the
// current directory and its ancestors (swapping one out would leave this process and
// the user's shell in a deleted directory) and a symbolic link (the swap would
// replace the link, not what it points to).
std::filesystem::path index_target(const std::string & dir);

// A directory holding a manifest.json that says it is a ragppo index.
bool is_index_dir(const std::filesystem::path & dir);

// What is at `target` (an index_target; a writer killed mid-swap is recovered first).
// Throws ragppo::Error for a file, a non-empty directory that is not an index, and,
// with `append`, for anything but an existing index. Touches nothing else.
OutputState check_index_output(const std::filesystem::path & target, bool append);

// The write lock of an index: `.NAME.lock` beside it, since the directory itself is
// swapped as a whole and a lock inside it would be swapped away. Creates the parent
// directory if needed. Throws ragppo::Error if another process holds it.
util::FileLock lock_index(const std::filesystem::path & target);

}  // namespace ragppo::index
