// ragppo::ppo_run in a build without libtorch (RAGPPO_WITH_TORCH=OFF): the face
// links, and says in one line why it cannot run.
#include "ragppo/rl.h"

namespace ragppo {

PpoResult ppo_run(const PpoParams &, const std::function<void(const PpoStep &)> &) {
    throw Error("PPO needs libtorch, and this ragppo was built without it (RAGPPO_WITH_TORCH=OFF)");
}

}  // namespace ragppo
