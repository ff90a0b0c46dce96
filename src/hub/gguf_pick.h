// Choosing one .gguf file of a repo from an optional quant tag.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace ragppo::hub {

// Model .gguf files among `paths` (projectors and imatrix files left out), sorted.
std::vector<std::string> gguf_models(const std::vector<std::string> & paths);

// With a tag: the file whose name contains it (case-insensitive), preferring a whole-word
// match ("Q4_K" picks "x.Q4_K.gguf" over "x.Q4_K_M.gguf"). Without: the only file, else
// one containing Q4_K_M, else the first. nullopt when nothing fits.
std::optional<std::string> pick_gguf(const std::vector<std::string> & models, const std::string & quant);

// Multi-part GGUF ("-00001-of-00003.gguf") is out of scope: throws ragppo::Error for one.
void reject_split_gguf(const std::string & path);

}  // namespace ragppo::hub
