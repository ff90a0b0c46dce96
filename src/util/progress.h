// The progress bar is part of the public utility face (ragppo/util.h); the library's
// own code names it here too.
#pragma once

#include "ragppo/util.h"

namespace ragppo::util {

using ragppo::ProgressBar;

}  // namespace ragppo::util
