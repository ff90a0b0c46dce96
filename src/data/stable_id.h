// Content-derived ids that stay the same across runs and machines, so a rebuilt
// index names its recipes and nodes exactly as the previous build did.
#pragma once

#include <string>
#include <string_view>

namespace ragppo::data {

// The first `hex_chars` (1..64) lowercase hex digits of sha256(text).
std::string stable_id(std::string_view text, size_t hex_chars = 16);

}  // namespace ragppo::data
