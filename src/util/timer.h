// Wall-clock milliseconds for the timings reports carry (prompt, retrieval, embedding):
// the public utility face's clock, under the library's own namespace too.
#pragma once

#include "ragppo/util.h"

namespace ragppo::util {

using ragppo::Clock;
using ragppo::ms_since;

}  // namespace ragppo::util
