// Local paths given where a Hub id is expected.
#pragma once

#include "ragppo.h"

#include <filesystem>
#include <string>

namespace ragppo::hub {

// `spec` (with ~ expanded) made absolute; throws ragppo::Error if it does not exist.
std::filesystem::path existing_local(const std::string & spec);

// A local file is returned as it is; a local directory yields <dir>/<filename>.
HubFile local_file(const std::string & spec, const std::string & filename);

}  // namespace ragppo::hub
