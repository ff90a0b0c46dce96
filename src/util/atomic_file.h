// Write a whole file so that readers see either the old content or the new, never
// half of it: write a temp file beside it, flush, then rename over the target.
#pragma once

#include <string>

namespace ragppo::util {

// Throws ragppo::Error naming the path on failure.
void write_file_atomic(const std::string & path, const std::string & content);

}  // namespace ragppo::util
