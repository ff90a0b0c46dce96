// A whole PPO fine-tuning run, as `ragppo ppo` drives it: load the policy,
// then per step draw a batch of articles, roll out summaries, score them with
// ROUGE-1 against the references, take a PPO step, log, checkpoint. Held-out
// ROUGE before and after, plots and an HF export at the end.
//
// Run directory (who may write it: run_dir.h):
//   ragppo-run.json  the marker that says this directory is a run
//   config.json      the settings of the run (resume reuses them)
//   stats.jsonl      one line per step, TRL-named statistics (docs/PPO_METRICS.md)
//   samples.jsonl    per step, each article id, response text and reward (every rank's)
//   checkpoints/     see ppo_checkpoint.h
//   training.svg     the curves (reward, KL, KL coefficient, losses, entropy)
//   eval.json        held-out ROUGE before and after training
//   model/           the trained policy in the Hugging Face layout (LoRA: the
//                    adapters in PEFT's, unless merged)
#pragma once

#include "rl/data_parallel.h"
#include "rl/ppo_config.h"
#include "rl/summary_data.h"
#include "util/file_lock.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ragppo::rl {

struct PpoRunParams {
    PpoConfig ppo;
    std::filesystem::path model_dir;           // HF checkpoint: config.json, weights, tokenizer files
    std::vector<SummaryExample> train;         // the articles PPO draws from, reshuffled every pass
    std::vector<SummaryExample> eval;          // held out: ROUGE before and after (empty = no evaluation)
    std::filesystem::path out_dir;
    int64_t save_every = 25;   // checkpoint every N steps (and after the last); 0 = only the last
    int keep_checkpoints = 2;
    int64_t log_every = 10;    // print the mean reward every N steps
    bool resume = false;       // continue from out_dir's latest checkpoint
    bool verify_checkpoint = true;  // check the resumed checkpoint's CRC-32C first (false: --no-verify)
    bool overwrite = false;    // a fresh run may replace the run in out_dir (else refused; run_dir.h)
    // out_dir's write lock when the caller took it up front (lock_run_dir; the CLI does,
    // so a second writer fails before any loading); empty = run_ppo takes it.
    std::shared_ptr<util::FileLock> run_lock;
    bool export_model = true;  // write out_dir/model at the end
    // With LoRA (ppo.lora): the export is the adapters in PEFT's layout (lora_peft.h)
    // naming `base_model` (empty: model_dir's absolute path) as their base; merge_lora
    // writes the full merged weights in the Hugging Face layout instead.
    bool merge_lora = false;
    std::string base_model;
    bool plots = true;
    std::string device = "cpu";  // "cpu", "cuda", "cuda:1"
    int64_t eval_batch_size = 8;
    bool quiet = false;          // no progress bar or log lines (tests)
    nlohmann::json settings;     // recorded in config.json and checkpoints (the CLI's flags)
    // The reward of a response; empty = ROUGE-1 F1 against the reference summary
    // (the reference's reward, as `evaluate`'s rouge computes it).
    std::function<double(const SummaryExample & example, const std::string & response)> reward;
    // The ranks of a data-parallel run (null: this process alone). Every rank calls
    // run_ppo with the same parameters; each rolls out and scores its share of every
    // batch, and the step's gradients are summed over ranks (ppo_trainer.h). Rank 0
    // alone owns out_dir: it writes stats, samples, plots, checkpoints (with every
    // rank's RNG state), eval.json and the export, and runs the held-out evaluation.
    // A resumed run must have the world size it was started with.
    std::shared_ptr<DataParallel> data_parallel;
    // Rank 0 only, after each step is logged (stats.jsonl has the line): the step
    // (0-based) and its statistics. An exception it throws ends the run there.
    std::function<void(int64_t step, const std::map<std::string, double> & stats)> on_step;
};

struct PpoRunResult {
    int64_t steps_done = 0;         // steps completed, including ones before a resume
    int64_t first_step = 0;         // where this invocation started
    bool stopped_non_finite = false;
    std::string stop_message;       // why the run stopped early
    double eval_before = -1, eval_after = -1;  // mean ROUGE-1 F1 on the held-out set; -1 = not run
    std::vector<double> step_rewards;          // mean reward of each step this invocation ran
};

// Throws ragppo::Error for bad input (model, data, resume without a checkpoint,
// a checkpoint of another model). A NaN/inf loss stops the run with
// stopped_non_finite set; the last good checkpoint stays as it was.
PpoRunResult run_ppo(const PpoRunParams & params, const std::function<void(const std::string &)> & log = {});

}  // namespace ragppo::rl
