// Cache layout helpers. Linking goes through llama.cpp's hf_cache::finalize_file so the
// symlink (or, where symlinks are unavailable, move) policy is the one llama.cpp uses.
#include "hub/hub_cache.h"
#include "hub/repo_spec.h"

#include "common.h"    // fs_write_atomic
#include "hf-cache.h"  // hf_cache::finalize_file

#include <fstream>

namespace ragppo::hub {

std::string read_ref(const fs::path & repo_dir, const std::string & rev) {
    if (is_commit_hash(rev)) return rev;
    std::ifstream in(repo_dir / "refs" / rev);
    std::string commit;
    if (in && std::getline(in, commit) && is_commit_hash(commit)) return commit;
    return "";
}

void write_ref(const fs::path & repo_dir, const std::string & rev, const std::string & commit) {
    if (rev == commit) return;
    try {
        fs_write_atomic(repo_dir / "refs" / rev, commit);
    } catch (const std::exception & e) {
        throw Error(std::string("cannot write the Hub cache: ") + e.what());
    }
}

std::optional<CachedFile> find_cached_file(const std::vector<std::string> & caches, const std::string & folder,
                                           const std::string & rev, const std::string & path) {
    for (const auto & cache : caches) {
        const fs::path repo_dir = fs::path(cache) / folder;
        const std::string commit = read_ref(repo_dir, rev);
        if (commit.empty()) continue;
        const fs::path local = repo_dir / "snapshots" / commit / path;
        std::error_code ec;
        if (fs::is_regular_file(local, ec)) {  // follows the symlink: a dangling one is a miss
            return CachedFile{commit, fs::absolute(local)};
        }
    }
    return std::nullopt;
}

std::vector<std::string> list_snapshot(const fs::path & snapshot_dir) {
    std::vector<std::string> out;
    std::error_code ec;
    if (!fs::is_directory(snapshot_dir, ec)) return out;
    for (auto it = fs::recursive_directory_iterator(snapshot_dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        if (fs::is_regular_file(it->path(), ec)) {
            out.push_back(it->path().lexically_relative(snapshot_dir).generic_string());
        }
    }
    return out;
}

fs::path link_snapshot(const fs::path & repo_dir, const std::string & commit, const std::string & path,
                       const fs::path & blob) {
    const fs::path final_path = repo_dir / "snapshots" / commit / path;
    std::error_code ec;
    if (fs::is_symlink(final_path, ec) && !fs::exists(final_path, ec)) {
        fs::remove(final_path, ec);  // dangling: finalize_file would otherwise move the blob
    }
    hf_cache::hf_file f;
    f.local_path = fs::absolute(blob).string();
    f.final_path = fs::absolute(final_path).string();
    hf_cache::finalize_file(f);
    if (!fs::is_regular_file(final_path, ec)) {
        throw Error("cannot create " + final_path.string() + " in the Hub cache");
    }
    return fs::absolute(final_path);
}

}  // namespace ragppo::hub
