// Getting files of one known commit into the cache (shared by resolve_file, gguf, snapshot).
#pragma once

#include "hub/hub_context.h"

#include <filesystem>
#include <string>
#include <vector>

namespace ragppo::hub {

// Make `paths` of `commit` present in the writable cache's snapshot (downloading the
// missing ones, each checked before it becomes visible), then record refs/<rev>.
// Returns the snapshot directory.
std::filesystem::path fetch_into_cache(const HubContext & ctx, RepoType type, const std::string & repo,
                                       const std::string & rev, const std::string & commit,
                                       const std::vector<std::string> & paths);

// One file of a resolved commit: from any cache holding that commit, else downloaded.
HubFile file_at_commit(const HubContext & ctx, RepoType type, const std::string & repo, const std::string & rev,
                       const std::string & commit, const std::string & path);

// HubFile for a cache hit.
HubFile cached_hub_file(const std::string & repo, const std::string & commit, const std::string & path,
                        const std::filesystem::path & local);

// "ragppo: warning: <msg>" on stderr (used when falling back to the cache).
void warn(const std::string & msg);

}  // namespace ragppo::hub
