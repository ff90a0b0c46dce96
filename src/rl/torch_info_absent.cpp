// system-info's libtorch lines in a build without the PPO half (RAGPPO_WITH_TORCH=OFF).
#include "ragppo.h"

namespace ragppo {

std::string libtorch_version() { return "not built (RAGPPO_WITH_TORCH=OFF)"; }

std::vector<std::string> libtorch_build_info() { return {}; }

}  // namespace ragppo
