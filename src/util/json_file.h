// Reading a JSON file that must hold one object (config files, manifests), with
// the one-line errors every reader of such files gives.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>

namespace ragppo::util {

// Throws ragppo::Error naming the path: "cannot read P", "P: not valid JSON (...)",
// "P: not a JSON object".
nlohmann::json read_json_object(const std::filesystem::path & path);

}  // namespace ragppo::util
