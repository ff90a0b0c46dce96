// hub_resolve_gguf: "org/name[@rev][:quant]" or a local .gguf path.
#include "hub/gguf_pick.h"
#include "hub/hub_api.h"
#include "hub/hub_cache.h"
#include "hub/hub_context.h"
#include "hub/local_path.h"
#include "hub/repo_fetch.h"
#include "hub/repo_spec.h"

#include <algorithm>
#include <optional>

namespace ragppo {

using namespace hub;
namespace fs = std::filesystem;

namespace {

std::string join(const std::vector<std::string> & v) {
    std::string s;
    for (const auto & x : v) s += (s.empty() ? "" : ", ") + x;
    return s.empty() ? "none" : s;
}

bool contains_q4_k_m(std::string name) {
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    return name.find("q4_k_m") != std::string::npos;
}

// A local directory of GGUF files is treated like a repo with no quant tag.
HubFile local_gguf(const std::string & spec) {
    const fs::path p = existing_local(spec);
    if (!fs::is_directory(p)) return local_file(spec, "");
    std::vector<std::string> names;
    for (const auto & e : fs::directory_iterator(p)) names.push_back(e.path().filename().string());
    const auto pick = pick_gguf(gguf_models(names), "");
    if (!pick) throw Error("local directory '" + spec + "' holds no .gguf file");
    return local_file(spec, *pick);
}

// The pick among files already in a cached snapshot of `rev` (no request). Without a
// tag the cached files may be a subset of the repo, so online the pick is trusted only
// when it is unambiguous (the one cached GGUF, or a Q4_K_M); else the Hub is asked.
std::optional<HubFile> cached_gguf(const HubContext & ctx, const RepoSpec & rs) {
    const bool need_unambiguous = rs.quant.empty() && !ctx.offline;
    const std::string folder = repo_folder(rs.repo, RepoType::Model);
    for (const auto & cache : ctx.read_caches) {
        const fs::path repo_dir = fs::path(cache) / folder;
        const std::string commit = read_ref(repo_dir, rs.revision);
        if (commit.empty()) continue;
        const fs::path snap = repo_dir / "snapshots" / commit;
        const auto models = gguf_models(list_snapshot(snap));
        auto pick = pick_gguf(models, rs.quant);
        if (pick && need_unambiguous && models.size() > 1 && !contains_q4_k_m(*pick)) pick.reset();
        if (pick) {
            reject_split_gguf(*pick);
            return cached_hub_file(rs.repo, commit, *pick, snap / *pick);
        }
    }
    return std::nullopt;
}

}  // namespace

HubFile hub_resolve_gguf(const std::string & spec, const HubParams & params) {
    if (looks_local(spec)) return local_gguf(spec);

    const HubContext ctx = make_context(params);
    const RepoSpec rs = parse_repo_spec(spec, /*allow_quant=*/true);
    const std::string label = repo_label(RepoType::Model, rs.repo);
    const std::string what = rs.quant.empty() ? "GGUF file" : "GGUF file for quant '" + rs.quant + "'";

    const auto cached = cached_gguf(ctx, rs);
    if (cached && (!ctx.refresh || ctx.offline)) return *cached;
    if (ctx.offline) {
        throw Error(label + ": no " + what + " (revision '" + rs.revision +
                    "') is in the cache and offline mode is on (HF_HUB_OFFLINE)");
    }

    RepoRevision info;
    try {
        info = api_revision(ctx, RepoType::Model, rs.repo, rs.revision);
    } catch (const NetworkError & e) {
        if (!cached) throw;
        warn(std::string(e.what()) + "; using the cached copy");
        return *cached;
    }
    if (info.siblings.empty()) {
        for (const auto & e : api_tree(ctx, RepoType::Model, rs.repo, info.commit)) info.siblings.push_back(e.path);
    }
    const auto models = gguf_models(info.siblings);
    const auto pick = pick_gguf(models, rs.quant);
    if (!pick) throw Error(label + ": no " + what + " at revision '" + rs.revision + "' (available: " + join(models) + ")");
    reject_split_gguf(*pick);
    return file_at_commit(ctx, RepoType::Model, rs.repo, rs.revision, info.commit, *pick);
}

}  // namespace ragppo
