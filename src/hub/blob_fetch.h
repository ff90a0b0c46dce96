// One file into the cache's blobs/: download (llama.cpp's downloader), check, publish.
#pragma once

#include "hub/hub_api.h"
#include "hub/hub_context.h"

#include <filesystem>
#include <string>

namespace ragppo::hub {

// Ensure <repo_dir>/blobs/<entry.oid> exists with the right size and hash, downloading
// it from `url` when missing. The download lands in blobs/<oid>.unverified (llama.cpp
// resumes its own .downloadInProgress partials), is checked against entry.size and
// entry.oid, and only then renamed to blobs/<oid>; on a mismatch it is deleted and
// ragppo::Error thrown, leaving the cache as it was.
std::filesystem::path fetch_blob(const HubContext & ctx, RepoType type, const std::string & repo,
                                 const std::filesystem::path & repo_dir, const TreeEntry & entry,
                                 const std::string & url);

}  // namespace ragppo::hub
