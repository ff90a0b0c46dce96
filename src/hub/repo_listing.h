// The file listing of one revision of a repo, and fetching files chosen from it: for
// callers that pick files by name before downloading any (a dataset split's shards).
#pragma once

#include "ragppo.h"

#include <string>
#include <vector>

namespace ragppo::hub {

struct RepoListing {
    std::string repo;                // "org/name"
    std::string revision;            // as asked: a branch, tag, "refs/convert/parquet" or a commit
    std::string commit;
    std::vector<std::string> files;  // repo-relative paths; from the cache only those downloaded before
    bool from_cache = false;
};

// Online: the Hub's listing of `revision`. Offline, or when the Hub cannot be reached
// (then with a warning): the files of the cached snapshot `revision` points to. Throws
// ragppo::Error when neither is available.
RepoListing list_repo_files(const std::string & repo, const std::string & revision, RepoType type,
                            const HubParams & params);

// Local paths of `paths` (files of listing.commit), in the same order: from a cache that
// holds them all, else downloaded into the writable cache (hash-checked), which then
// records refs/<revision>.
std::vector<std::string> fetch_repo_files(const RepoListing & listing, const std::vector<std::string> & paths,
                                          RepoType type, const HubParams & params);

}  // namespace ragppo::hub
