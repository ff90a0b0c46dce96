// hub_snapshot: every file of a revision matching glob patterns, as one snapshot directory.
#include "hub/hub_api.h"
#include "hub/hub_cache.h"
#include "hub/hub_context.h"
#include "hub/local_path.h"
#include "hub/repo_fetch.h"
#include "hub/repo_spec.h"

#include <fnmatch.h>

#include <algorithm>
#include <optional>

namespace ragppo {

using namespace hub;
namespace fs = std::filesystem;

namespace {

// fnmatch without FNM_PATHNAME: '*' also crosses '/', as in huggingface_hub's allow_patterns.
bool matches_any(const std::string & path, const std::vector<std::string> & patterns) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const std::string & p) { return fnmatch(p.c_str(), path.c_str(), 0) == 0; });
}

bool is_literal(const std::string & pattern) {
    return pattern.find_first_of("*?[") == std::string::npos;
}

std::string join(const std::vector<std::string> & v) {
    std::string s;
    for (const auto & x : v) s += (s.empty() ? "" : " ") + x;
    return s;
}

// The first cache snapshot of `rev` holding every one of `paths` (or, with `any_match`,
// at least one file matching `patterns`).
std::optional<fs::path> cached_snapshot(const HubContext & ctx, const std::string & folder, const std::string & rev,
                                        const std::vector<std::string> & patterns, bool any_match) {
    for (const auto & cache : ctx.read_caches) {
        const fs::path repo_dir = fs::path(cache) / folder;
        const std::string commit = read_ref(repo_dir, rev);
        if (commit.empty()) continue;
        const fs::path snap = repo_dir / "snapshots" / commit;
        const auto files = list_snapshot(snap);
        const auto has = [&](const std::string & p) { return std::find(files.begin(), files.end(), p) != files.end(); };
        const bool ok = any_match ? std::any_of(files.begin(), files.end(), [&](auto & f) { return matches_any(f, patterns); })
                                  : std::all_of(patterns.begin(), patterns.end(), has);
        if (ok) return fs::absolute(snap);
    }
    return std::nullopt;
}

}  // namespace

std::string hub_snapshot(const std::string & spec, const std::vector<std::string> & patterns_in, RepoType type,
                         const HubParams & params) {
    if (looks_local(spec)) {
        const fs::path p = existing_local(spec);
        if (!fs::is_directory(p)) throw Error("local path '" + spec + "' is not a directory");
        return p.string();
    }
    const HubContext ctx = make_context(params);
    const RepoSpec rs = parse_repo_spec(spec, /*allow_quant=*/false);
    const std::string folder = repo_folder(rs.repo, type);
    const std::string label = repo_label(type, rs.repo);
    const std::vector<std::string> patterns = patterns_in.empty() ? std::vector<std::string>{"*"} : patterns_in;

    // Exact names are checkable offline; globs need the listing, so they ask the Hub
    // (one small request) unless offline.
    const bool literal = std::all_of(patterns.begin(), patterns.end(), is_literal);
    if (literal && !ctx.refresh) {
        if (auto snap = cached_snapshot(ctx, folder, rs.revision, patterns, false)) return snap->string();
    }
    if (ctx.offline) {
        if (auto snap = cached_snapshot(ctx, folder, rs.revision, patterns, !literal)) return snap->string();
        throw Error(label + ": no file matching '" + join(patterns) + "' (revision '" + rs.revision +
                    "') is in the cache and offline mode is on (HF_HUB_OFFLINE)");
    }

    RepoRevision info;
    try {
        info = api_revision(ctx, type, rs.repo, rs.revision);
    } catch (const NetworkError & e) {
        auto snap = cached_snapshot(ctx, folder, rs.revision, patterns, !literal);
        if (!snap) throw;
        warn(std::string(e.what()) + "; using the cached snapshot");
        return snap->string();
    }
    if (info.siblings.empty()) {
        for (const auto & e : api_tree(ctx, type, rs.repo, info.commit)) info.siblings.push_back(e.path);
    }
    std::vector<std::string> wanted;
    for (const auto & f : info.siblings) {
        if (matches_any(f, patterns)) wanted.push_back(f);
    }
    if (wanted.empty()) {
        throw Error(label + ": no file matches '" + join(patterns) + "' at revision '" + rs.revision + "'");
    }
    // A read-only cache (bundled defaults) that already holds the whole selection is used as it is.
    for (const auto & cache : ctx.read_caches) {
        if (cache == ctx.write_cache) continue;
        const fs::path snap = fs::path(cache) / folder / "snapshots" / info.commit;
        std::error_code ec;
        if (std::all_of(wanted.begin(), wanted.end(), [&](auto & p) { return fs::is_regular_file(snap / p, ec); })) {
            return fs::absolute(snap).string();
        }
    }
    return fetch_into_cache(ctx, type, rs.repo, rs.revision, info.commit, wanted).string();
}

}  // namespace ragppo
