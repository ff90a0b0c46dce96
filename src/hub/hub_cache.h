// The standard Hub cache layout, read and written:
//   <cache>/<models|datasets>--org--name/
//     blobs/<oid>                          file content, named by its sha256 (LFS) or git blob sha1
//     snapshots/<commit>/<path> -> ../../blobs/<oid>
//     refs/<branch or tag>                 the commit it pointed to when last resolved
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ragppo::hub {

namespace fs = std::filesystem;

struct CachedFile {
    std::string commit;
    fs::path local;  // snapshots/<commit>/<path>, absolute
};

// The commit `rev` resolves to in one repo cache folder: `rev` itself for a full commit
// hash, else the content of refs/<rev>; "" when unknown.
std::string read_ref(const fs::path & repo_dir, const std::string & rev);

// Record refs/<rev> = commit (nothing to record when `rev` is the commit itself).
void write_ref(const fs::path & repo_dir, const std::string & rev, const std::string & commit);

// First cache (in order) whose snapshot for `rev` holds `path` with its blob present.
std::optional<CachedFile> find_cached_file(const std::vector<std::string> & caches, const std::string & folder,
                                           const std::string & rev, const std::string & path);

// Paths (relative, '/'-separated) of the files present in a snapshot directory.
std::vector<std::string> list_snapshot(const fs::path & snapshot_dir);

// Create snapshots/<commit>/<path> pointing at `blob` (relative symlink).
fs::path link_snapshot(const fs::path & repo_dir, const std::string & commit, const std::string & path,
                       const fs::path & blob);

}  // namespace ragppo::hub
