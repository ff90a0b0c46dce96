#include "hub/repo_listing.h"

#include "hub/hub_api.h"
#include "hub/hub_cache.h"
#include "hub/hub_context.h"
#include "hub/repo_fetch.h"
#include "hub/repo_spec.h"

#include <algorithm>
#include <optional>

namespace ragppo::hub {

namespace {

std::optional<RepoListing> cached_listing(const HubContext & ctx, RepoType type, const std::string & repo,
                                          const std::string & revision) {
    for (const auto & cache : ctx.read_caches) {
        const fs::path repo_dir = fs::path(cache) / repo_folder(repo, type);
        const std::string commit = read_ref(repo_dir, revision);
        if (commit.empty()) continue;
        auto files = list_snapshot(repo_dir / "snapshots" / commit);
        if (files.empty()) continue;
        std::sort(files.begin(), files.end());
        return RepoListing{repo, revision, commit, std::move(files), true};
    }
    return std::nullopt;
}

}  // namespace

RepoListing list_repo_files(const std::string & repo, const std::string & revision, RepoType type,
                            const HubParams & params) {
    const HubContext ctx = make_context(params);
    if (ctx.offline) {
        if (auto cached = cached_listing(ctx, type, repo, revision)) return *cached;
        throw Error(repo_label(type, repo) + " (revision '" + revision +
                    "') is not in the cache and offline mode is on (HF_HUB_OFFLINE)");
    }
    RepoRevision info;
    try {
        info = api_revision(ctx, type, repo, revision);
    } catch (const NetworkError & e) {
        auto cached = cached_listing(ctx, type, repo, revision);
        if (!cached) throw;
        warn(std::string(e.what()) + "; using the cached snapshot");
        return *cached;
    }
    if (info.siblings.empty()) {
        for (auto & e : api_tree(ctx, type, repo, info.commit)) info.siblings.push_back(std::move(e.path));
    }
    std::sort(info.siblings.begin(), info.siblings.end());
    return RepoListing{repo, revision, info.commit, std::move(info.siblings), false};
}

std::vector<std::string> fetch_repo_files(const RepoListing & listing, const std::vector<std::string> & paths,
                                          RepoType type, const HubParams & params) {
    const HubContext ctx = make_context(params);
    const std::string folder = repo_folder(listing.repo, type);
    const auto local_paths = [&](const fs::path & snapshot) {
        std::vector<std::string> out;
        for (const auto & p : paths) out.push_back(fs::absolute(snapshot / p).string());
        return out;
    };
    for (const auto & cache : ctx.read_caches) {
        const fs::path snapshot = fs::path(cache) / folder / "snapshots" / listing.commit;
        std::error_code ec;
        if (std::all_of(paths.begin(), paths.end(), [&](auto & p) { return fs::is_regular_file(snapshot / p, ec); })) {
            if (cache == ctx.write_cache && !listing.from_cache) write_ref(fs::path(cache) / folder, listing.revision, listing.commit);
            return local_paths(snapshot);
        }
    }
    if (ctx.offline || listing.from_cache) {
        throw Error(repo_label(type, listing.repo) + ": '" + paths.front() + "' (revision '" + listing.revision +
                    "') is not in the cache and the Hub cannot be asked (offline or unreachable)");
    }
    return local_paths(fetch_into_cache(ctx, type, listing.repo, listing.revision, listing.commit, paths));
}

}  // namespace ragppo::hub
