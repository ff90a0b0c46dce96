// include/ragppo/rl.h, integrity part: what `ragppo verify` checks of a PPO run. Files
// only, no libtorch, so the RAG-only build links it too.
#include "ragppo/rl.h"

#include "rl/checkpoint_files.h"

namespace ragppo {

namespace fs = std::filesystem;

CheckpointCheck ppo_checkpoint_verify(const std::string & checkpoint_dir) {
    const auto state = rl::read_checkpoint_state(checkpoint_dir);
    CheckpointCheck check;
    check.bytes = rl::verify_checkpoint_files(checkpoint_dir, state);
    if (check.bytes == 0) {
        throw Error("checkpoint " + checkpoint_dir + " records no checksums (written before they were): nothing to verify against");
    }
    const auto step = state.find("step");
    if (step != state.end() && step->is_number_integer()) check.step = step->get<int64_t>();
    return check;
}

std::vector<std::string> ppo_run_checkpoints(const std::string & run_dir) {
    std::vector<std::string> out;
    for (const auto & p : rl::complete_checkpoints(fs::path(run_dir) / rl::kCheckpointsDir)) out.push_back(p.string());
    return out;
}

bool ppo_is_checkpoint(const std::string & dir) { return fs::is_regular_file(fs::path(dir) / rl::kCheckpointState); }

bool ppo_is_run(const std::string & dir) { return fs::is_directory(fs::path(dir) / rl::kCheckpointsDir); }

}  // namespace ragppo
