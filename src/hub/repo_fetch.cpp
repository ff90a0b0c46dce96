#include "hub/repo_fetch.h"
#include "hub/blob_fetch.h"
#include "hub/hub_api.h"
#include "hub/hub_cache.h"
#include "hub/repo_spec.h"

#include <cstdio>
#include <map>

namespace ragppo::hub {

namespace fs = std::filesystem;

fs::path fetch_into_cache(const HubContext & ctx, RepoType type, const std::string & repo, const std::string & rev,
                          const std::string & commit, const std::vector<std::string> & paths) {
    const fs::path repo_dir = fs::path(ctx.write_cache) / repo_folder(repo, type);
    const fs::path snapshot = repo_dir / "snapshots" / commit;

    std::vector<std::string> missing;
    std::error_code ec;
    for (const auto & p : paths) {
        if (!fs::is_regular_file(snapshot / p, ec)) missing.push_back(p);
    }
    if (!missing.empty()) {
        std::map<std::string, TreeEntry> tree;
        for (auto & e : api_tree(ctx, type, repo, commit)) tree.emplace(e.path, std::move(e));
        // Check every name before downloading anything: a typo should not cost a download.
        for (const auto & p : missing) {
            if (!tree.count(p)) {
                throw Error(repo_label(type, repo) + ": file '" + p + "' not found at revision '" + rev + "'");
            }
        }
        for (const auto & p : missing) {
            const TreeEntry & entry = tree.at(p);
            const fs::path blob = fetch_blob(ctx, type, repo, repo_dir, entry, resolve_url(ctx, type, repo, commit, p));
            link_snapshot(repo_dir, commit, p, blob);
        }
    }
    write_ref(repo_dir, rev, commit);  // last, so a failed fetch leaves the refs as they were
    return fs::absolute(snapshot);
}

HubFile file_at_commit(const HubContext & ctx, RepoType type, const std::string & repo, const std::string & rev,
                       const std::string & commit, const std::string & path) {
    const std::string folder = repo_folder(repo, type);
    if (auto hit = find_cached_file(ctx.read_caches, folder, commit, path)) {
        const fs::path repo_dir = fs::path(ctx.write_cache) / folder;
        std::error_code ec;
        if (fs::is_directory(repo_dir / "snapshots" / commit, ec)) write_ref(repo_dir, rev, commit);
        return cached_hub_file(repo, commit, path, hit->local);
    }
    const fs::path snapshot = fetch_into_cache(ctx, type, repo, rev, commit, {path});
    return cached_hub_file(repo, commit, path, snapshot / path);
}

HubFile cached_hub_file(const std::string & repo, const std::string & commit, const std::string & path,
                        const fs::path & local) {
    return HubFile{repo, commit, path, fs::absolute(local).string()};
}

void warn(const std::string & msg) {
    std::fprintf(stderr, "ragppo: warning: %s\n", msg.c_str());
}

}  // namespace ragppo::hub
