// Parsing "org/name[@revision][:quant]" and telling Hub ids from local paths.
#pragma once

#include "ragppo.h"

#include <string>

namespace ragppo::hub {

struct RepoSpec {
    std::string repo;             // "org/name" (or a legacy one-part id such as "gpt2")
    std::string revision = "main";
    std::string quant;            // GGUF quant tag, "" if none
};

// True when `spec` names something on disk rather than a Hub id: it exists, or it is
// written like a path (absolute, ./ ../ ~/, more than one '/', or ends with .gguf).
bool looks_local(const std::string & spec);

// Parse a Hub id. `allow_quant` = false makes a ":tag" suffix an error.
RepoSpec parse_repo_spec(const std::string & spec, bool allow_quant);

// "~/x" -> "$HOME/x"; anything else unchanged.
std::string expand_user(const std::string & path);

// A relative '/'-separated path with no empty, "." or ".." segment: safe to join
// under a snapshot directory.
bool valid_repo_path(const std::string & path);

// A full 40-hex commit hash (immutable: no ref lookup needed).
bool is_commit_hash(const std::string & s);

// "models--org--name" / "datasets--org--name".
std::string repo_folder(const std::string & repo, RepoType type);

// "models" / "datasets" (API route segment) and "model" / "dataset" (for messages).
const char * type_route(RepoType type);
const char * type_word(RepoType type);

}  // namespace ragppo::hub
