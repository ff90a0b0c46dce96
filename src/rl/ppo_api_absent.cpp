// The PPO face in a build without libtorch (RAGPPO_WITH_TORCH=OFF): it links, and
// each call says in one line why it cannot run. (The checkpoint checks need no
// libtorch: checkpoint_api.cpp.)
#include "ragppo/rl.h"

namespace ragppo {

namespace {

[[noreturn]] void absent() {
    throw Error("PPO needs libtorch, and this ragppo was built without it (RAGPPO_WITH_TORCH=OFF)");
}

}  // namespace

std::optional<KlEstimator> kl_estimator_from_name(const std::string &) { absent(); }
std::optional<PpoRanks> ppo_ranks_from_env() { absent(); }
PpoResult ppo_run(const PpoParams &, const std::function<void(const PpoStep &)> &) { absent(); }
SummarizeEvalResult summarize_eval(const SummarizeEvalParams &, const std::function<void(size_t, size_t)> &) { absent(); }

}  // namespace ragppo
