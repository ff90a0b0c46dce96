// Where a PPO run's inputs come from, for every front end (CLI, ragppo::ppo_run,
// bindings): the policy checkpoint (a local directory or a Hub snapshot of the files
// a GPT-2 checkpoint has) and the articles (a local file, or a Hub dataset's split).
#pragma once

#include "ragppo.h"
#include "rl/ppo_config.h"
#include "rl/summary_data.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>

namespace ragppo::rl {

// A local checkpoint directory as it is, else a Hub model id downloaded (config,
// weights, tokenizer). A path to a file is refused: a checkpoint is a directory.
std::filesystem::path resolve_policy_dir(const std::string & model, const HubParams & hub);

struct SummarySource {
    std::string dataset = "abisee/cnn_dailymail";  // a CSV/JSON/JSONL/Parquet file, or a Hub dataset id
    std::string config = "1.0.0";                   // of a Hub dataset
    std::string split = "validation";               // of a Hub dataset
    SummaryColumns columns;
    size_t limit = 0;  // keep only the first N usable rows; 0 = all
    HubParams hub;
};

// The usable rows of the source, the first `limit` of them; `usable` in the result
// counts them before the limit.
struct SummaryLoad {
    SummaryData data;
    size_t usable = 0;
};
SummaryLoad load_summary_source(const SummarySource & source);
// What was read, on stderr: rows, usable, skipped, and the first few skipped and cut rows.
void report_summary_load(const SummaryLoad & load);

// What a run records of where it came from (config.json and every checkpoint's "cli"
// entry): the model as given, the source, the held-out count (`held`, and what was
// asked), the checkpointing. `ragppo ppo --resume` restores each from here.
nlohmann::json run_settings(const std::string & model, const SummarySource & source, size_t held,
                            size_t eval_samples_requested, int64_t save_every, int keep_checkpoints);

// The settings a resumable run saved with its latest checkpoint under out_dir/checkpoints:
// {"cli": run_settings(...), "ppo": the PpoConfig as JSON, ...}. Throws ragppo::Error when
// there is no checkpoint, or it lacks them.
nlohmann::json saved_run(const std::filesystem::path & out_dir);

// batch_size must be a multiple of mini_batch_size (one line naming both otherwise, by
// their names in `names` where it has them: a CLI's flags, a Python call's keywords).
void check_batch_sizes(const PpoConfig & cfg, const std::map<std::string, std::string> & names = {});

// A setting's name to the caller: names[key], or the key itself.
std::string setting_name(const std::map<std::string, std::string> & names, const std::string & key);

}  // namespace ragppo::rl
