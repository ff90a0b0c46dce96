// Hub API calls. JSON shapes follow the real Hub; only the fields ragppo needs are read.
#include "hub/hub_api.h"
#include "hub/repo_spec.h"

#include "download.h"  // common_remote_get_content

#include <nlohmann/json.hpp>

#include <optional>

namespace ragppo::hub {
namespace {

bool unreserved(unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

std::string url_encode(const std::string & s, bool keep_slash) {
    static const char * hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (unreserved(c) || (keep_slash && c == '/')) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

nlohmann::json get_json(const HubContext & ctx, RepoType type, const std::string & repo, const std::string & url,
                        const std::string & not_found) {
    common_remote_params params;
    params.headers.push_back({"Accept", "application/json"});
    if (!ctx.token.empty()) params.headers.push_back({"Authorization", "Bearer " + ctx.token});
    params.timeout = 30;

    std::pair<long, std::vector<char>> res;
    try {
        res = common_remote_get_content(url, params);
    } catch (const std::exception &) {
        throw NetworkError("cannot reach " + ctx.endpoint + " for " + repo_label(type, repo) +
                           " (network error; set HF_HUB_OFFLINE=1 to use the cache only)");
    }
    if (res.first != 200) throw http_error(res.first, ctx, type, repo, not_found);
    try {
        return nlohmann::json::parse(res.second.begin(), res.second.end());
    } catch (const std::exception &) {
        throw Error("invalid JSON from " + url);
    }
}

bool valid_oid(const std::string & s) {
    return (s.size() == 40 || s.size() == 64) &&
           s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::string api_base(const HubContext & ctx, RepoType type, const std::string & repo) {
    return ctx.endpoint + "api/" + type_route(type) + "/" + repo;
}

}  // namespace

std::string repo_label(RepoType type, const std::string & repo) {
    return std::string(type_word(type)) + " repo '" + repo + "'";
}

Error http_error(long status, const HubContext & ctx, RepoType type, const std::string & repo,
                 const std::string & not_found) {
    const std::string label = repo_label(type, repo);
    switch (status) {
        case 401:
            return Error(ctx.token.empty() ? label + " requires authentication: set HF_TOKEN"
                                           : label + ": the token in HF_TOKEN was rejected (401)");
        case 403:
            return Error(label + ": access denied (gated repo? accept its terms on the Hub and set HF_TOKEN)");
        case 404:
            return Error(not_found);
        default:
            return Error(label + ": unexpected HTTP status " + std::to_string(status) + " from " + ctx.endpoint);
    }
}

RepoRevision parse_revision(const nlohmann::json & j, const std::string & label, const std::string & rev) {
    RepoRevision out;
    if (j.is_object() && j.contains("sha") && j["sha"].is_string()) out.commit = j["sha"].get<std::string>();
    if (!is_commit_hash(out.commit)) {
        throw Error(label + ": the Hub answered revision '" + rev + "' without a valid commit hash");
    }
    if (j.contains("siblings") && j["siblings"].is_array()) {
        for (const auto & s : j["siblings"]) {
            if (s.is_object() && s.contains("rfilename") && s["rfilename"].is_string()) {
                auto name = s["rfilename"].get<std::string>();
                if (valid_repo_path(name)) out.siblings.push_back(std::move(name));
            }
        }
    }
    return out;
}

RepoRevision api_revision(const HubContext & ctx, RepoType type, const std::string & repo, const std::string & rev) {
    const auto j = get_json(ctx, type, repo, api_base(ctx, type, repo) + "/revision/" + url_encode(rev, false),
                            repo_label(type, repo) + " or its revision '" + rev + "' not found on " + ctx.endpoint);
    return parse_revision(j, repo_label(type, repo), rev);
}

namespace {

// A listing field of the wrong JSON type is the Hub's error, not ours: the entry is
// skipped like any other entry we cannot use.
std::optional<std::string> string_field(const nlohmann::json & o, const char * key) {
    if (!o.is_object() || !o.contains(key) || !o[key].is_string()) return std::nullopt;
    return o[key].get<std::string>();
}

std::optional<uint64_t> size_field(const nlohmann::json & o, const char * key) {
    if (!o.is_object() || !o.contains(key) || !o[key].is_number_unsigned()) return std::nullopt;
    return o[key].get<uint64_t>();
}

}  // namespace

std::vector<TreeEntry> parse_tree(const nlohmann::json & j, const std::string & label) {
    std::vector<TreeEntry> out;
    if (!j.is_array()) throw Error(label + ": unexpected tree listing from the Hub");
    for (const auto & item : j) {
        if (string_field(item, "type") != "file") continue;
        auto path = string_field(item, "path");
        if (!path || !valid_repo_path(*path)) continue;  // never let a listing write outside the snapshot
        TreeEntry e;
        e.path = std::move(*path);
        e.size = size_field(item, "size").value_or(0);
        if (item.contains("lfs") && item["lfs"].is_object()) {
            e.lfs = true;
            e.oid = string_field(item["lfs"], "oid").value_or("");
            e.size = size_field(item["lfs"], "size").value_or(e.size);
        } else {
            e.oid = string_field(item, "oid").value_or("");
        }
        if (!valid_oid(e.oid)) continue;
        out.push_back(std::move(e));
    }
    return out;
}

std::vector<TreeEntry> api_tree(const HubContext & ctx, RepoType type, const std::string & repo,
                                const std::string & commit) {
    const auto j = get_json(ctx, type, repo, api_base(ctx, type, repo) + "/tree/" + commit + "?recursive=true",
                            repo_label(type, repo) + ": commit " + commit + " not found on " + ctx.endpoint);
    return parse_tree(j, repo_label(type, repo));
}

std::string resolve_url(const HubContext & ctx, RepoType type, const std::string & repo, const std::string & commit,
                        const std::string & path) {
    return ctx.endpoint + (type == RepoType::Dataset ? "datasets/" : "") + repo + "/resolve/" + commit + "/" +
           url_encode(path, true);
}

}  // namespace ragppo::hub
