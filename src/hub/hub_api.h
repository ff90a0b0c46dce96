// The two Hub API routes ragppo reads (JSON over llama.cpp's common_remote_get_content),
// and the one-line errors every HTTP status maps to.
#pragma once

#include "hub/hub_context.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace ragppo::hub {

// No answer at all (DNS, refused connection, cut): the callers may fall back to the cache.
struct NetworkError : Error {
    using Error::Error;
};

struct RepoRevision {
    std::string commit;                 // "sha"
    std::vector<std::string> siblings;  // every file path ("siblings[].rfilename")
};

struct TreeEntry {
    std::string path;
    uint64_t size = 0;
    std::string oid;  // sha256 for LFS files, git blob sha1 otherwise
    bool lfs = false;
};

// GET {endpoint}api/{models|datasets}/{repo}/revision/{rev}
RepoRevision api_revision(const HubContext & ctx, RepoType type, const std::string & repo, const std::string & rev);

// The two answers above as parsed JSON -> what we use of them; entries with paths that
// would leave the snapshot, bad hashes or wrong field types are skipped. Apart from the
// calls, so the fuzzer (fuzz/fuzz_hub_listing.cpp) can reach them without a network.
RepoRevision parse_revision(const nlohmann::json & j, const std::string & label, const std::string & rev);
std::vector<TreeEntry> parse_tree(const nlohmann::json & j, const std::string & label);

// GET {endpoint}api/{models|datasets}/{repo}/tree/{commit}?recursive=true (files only).
// The real Hub paginates listings past 1,000 entries with a Link header, which
// common_remote_get_content does not return: such repos are listed incompletely.
std::vector<TreeEntry> api_tree(const HubContext & ctx, RepoType type, const std::string & repo,
                                const std::string & commit);

// {endpoint}[datasets/]{repo}/resolve/{commit}/{path}
std::string resolve_url(const HubContext & ctx, RepoType type, const std::string & repo, const std::string & commit,
                        const std::string & path);

// "model repo 'org/name'" / "dataset repo 'org/name'".
std::string repo_label(RepoType type, const std::string & repo);

// The one-line error for an HTTP status (401, 403, 404, other); `not_found` is the 404 text.
Error http_error(long status, const HubContext & ctx, RepoType type, const std::string & repo,
                 const std::string & not_found);

}  // namespace ragppo::hub
