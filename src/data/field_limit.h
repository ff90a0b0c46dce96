// The byte limit on one text field of a row, applied as rows are read: a 10 MB
// ingredients cell would otherwise be split into thousands of chunks and embedded
// for many minutes (or tokenised in full as a PPO article). Real fields are far
// smaller: in ../shared/data the longest recipe field is 8.3 KB (instructions), the
// longest CNN/DailyMail article 9.6 KB; 64 KiB keeps every one whole and bounds a
// recipe at about 25 chunks of 1024 tokens (3 s of embedding on 2 cores).
#pragma once

#include "ragppo/data.h"

#include <cstddef>
#include <string>

namespace ragppo::data {

using ragppo::kDefaultMaxFieldBytes;  // include/ragppo/data.h

// Cuts `s` to at most `max_bytes` bytes at a character boundary (valid UTF-8 stays
// valid); 0 = no limit. Returns the size before the cut when it cut, else 0.
size_t cut_field(std::string & s, size_t max_bytes);

// "ingredients cut to 65535 of 10485760 bytes"
std::string describe_cut(const std::string & field, size_t kept, size_t original);

}  // namespace ragppo::data
