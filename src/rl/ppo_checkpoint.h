// Training checkpoints of a PPO run: everything the next step depends on, so a
// resumed run continues exactly as an uninterrupted one would.
//
// <root>/step-000050/  policy.pt (policy + value head), optimizer.pt (Adam
//                      moments and step counts), rng.pt (sampling, mini-batch
//                      shuffling and torch's global generator; a data-parallel
//                      run's other ranks' as sample_rankN, torch_rankN), state.json
//                      (step, data cursor, KL coefficient, model shape, run settings)
// <root>/latest        the name of the newest complete checkpoint
//
// Each checkpoint directory is written under a temp name and renamed into place,
// then `latest` is replaced atomically: a kill at any moment leaves the previous
// checkpoint whole and `latest` pointing at a complete one.
#pragma once

#include "rl/checkpoint_files.h"
#include "rl/ppo_trainer.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <optional>

namespace ragppo::rl {

struct TrainingCursor {
    int64_t step = 0;         // PPO steps completed
    int64_t data_cursor = 0;  // training examples consumed (across epochs of the data)
};

// Writes the checkpoint of `cursor.step` under `root`, points `latest` at it and
// removes all but the newest `keep` checkpoints (keep <= 0 keeps all). In a
// data-parallel run every rank calls it (it gathers their RNG states) and rank 0
// alone writes.
// `run_settings` is stored in state.json (the run's configuration, for resume).
// Returns the checkpoint directory.
std::filesystem::path save_checkpoint(const std::filesystem::path & root, PpoTrainer & trainer,
                                      torch::Generator & sample_rng, const TrainingCursor & cursor,
                                      const nlohmann::json & run_settings, int keep = 2);

// The newest complete checkpoint under `root`, if any.
std::optional<std::filesystem::path> latest_checkpoint(const std::filesystem::path & root);

// read_checkpoint_state (state.json) and verify_checkpoint_files: rl/checkpoint_files.h.

// Restores the trainer (policy, value head, Adam, KL coefficient, shuffling RNG),
// the sampling RNG and torch's global RNG (this rank's, in a data-parallel run)
// from `checkpoint`; returns the cursor.
// Throws ragppo::Error, one line, for a checkpoint of another model shape or a
// damaged file. verify: check each tensor file's CRC-32C first (false: --no-verify).
TrainingCursor load_checkpoint(const std::filesystem::path & checkpoint, PpoTrainer & trainer,
                               torch::Generator & sample_rng, bool verify = true);

}  // namespace ragppo::rl
