// Content hashes the Hub names files by: sha256 for LFS files, git's blob sha1 otherwise.
#pragma once

#include <filesystem>
#include <string>

namespace ragppo::hub {

// Lowercase hex sha256 of a file's bytes.
std::string file_sha256(const std::filesystem::path & path);

// Lowercase hex git blob id: sha1("blob <size>\0" + bytes).
std::string file_git_sha1(const std::filesystem::path & path);

}  // namespace ragppo::hub
