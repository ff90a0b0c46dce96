// hub_resolve_file: cache first (no request on a hit), then the Hub.
#include "hub/hub_api.h"
#include "hub/hub_cache.h"
#include "hub/hub_context.h"
#include "hub/local_path.h"
#include "hub/repo_fetch.h"
#include "hub/repo_spec.h"

#include <algorithm>

namespace ragppo {

using namespace hub;

HubFile hub_resolve_file(const std::string & spec, const std::string & filename, RepoType type,
                         const HubParams & params) {
    if (looks_local(spec)) return local_file(spec, filename);

    const HubContext ctx = make_context(params);
    const RepoSpec rs = parse_repo_spec(spec, /*allow_quant=*/false);
    const std::string label = repo_label(type, rs.repo);
    if (!valid_repo_path(filename)) throw Error(label + ": invalid file name '" + filename + "'");

    const auto cached = find_cached_file(ctx.read_caches, repo_folder(rs.repo, type), rs.revision, filename);
    if (cached && (!ctx.refresh || ctx.offline)) {
        return cached_hub_file(rs.repo, cached->commit, filename, cached->local);
    }
    if (ctx.offline) {
        throw Error(label + ": '" + filename + "' (revision '" + rs.revision +
                    "') is not in the cache and offline mode is on (HF_HUB_OFFLINE)");
    }

    RepoRevision info;
    try {
        info = api_revision(ctx, type, rs.repo, rs.revision);
    } catch (const NetworkError & e) {
        if (!cached) throw;
        warn(std::string(e.what()) + "; using the cached copy");
        return cached_hub_file(rs.repo, cached->commit, filename, cached->local);
    }
    if (!info.siblings.empty() &&
        std::find(info.siblings.begin(), info.siblings.end(), filename) == info.siblings.end()) {
        throw Error(label + ": file '" + filename + "' not found at revision '" + rs.revision + "'");
    }
    return file_at_commit(ctx, type, rs.repo, rs.revision, info.commit, filename);
}

}  // namespace ragppo
