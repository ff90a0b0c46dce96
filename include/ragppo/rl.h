// ragppo's public API, PPO face (libragppo-rl, libtorch): fine-tune a GPT-2
// summariser with PPO, the reward being ROUGE-1 F1 against the reference summary
// (TRL's classic PPOTrainer, SPEC Part B). One call runs the whole job: load the
// policy and the articles, hold some out, roll out, score, step, log, checkpoint,
// evaluate before and after, export in the Hugging Face layout.
//
//   ragppo::PpoParams p;  p.ppo.dataset = "articles.jsonl";  p.ppo.steps = 3;  p.out_dir = "run";
//   ragppo::ppo_run(p, [](const ragppo::PpoStep & s) { std::printf("%g\n", s.stats.at("env/reward_mean")); });
//
// The settings are TRL's PPOConfig names where one exists, with the reference
// notebook's overrides (lr 1.41e-5, batch 4, mini-batch 4). Where our default
// differs from what the notebook ran, a switch reproduces the reference; each says
// which way is ours.
#pragma once

#include "ragppo.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace ragppo {

// ============================================================================ settings
// Per-token KL estimator between the policy and the frozen reference model,
// with logp = policy log-prob of the sampled token, ref_logp = the reference's.
// The estimator used in the rewards is also the one logged as objective/kl.
enum class KlEstimator {
    K1,    // TRL "kl" (default): logp - ref_logp; unbiased, negative per token
    Abs,   // TRL "abs": |logp - ref_logp|
    Mse,   // TRL "mse": 0.5 * (logp - ref_logp)^2 (Schulman's k2)
    Full,  // TRL "full": sum over the vocabulary of p * (log p - log p_ref); needs full log-probs
    K3,    // not in TRL 0.11: (r - 1) - log r with r = exp(ref_logp - logp); unbiased and never negative
};

// LoRA adapters (Hu et al. 2021) as PEFT's LoraConfig makes them: beside each
// targeted projection W, y = W x + b + (alpha / r) * B A dropout(x), A [r, in]
// drawn like nn.Linear's weight, B [out, r] zero. Only the adapters and the value
// head are trained; the KL reference is the same weights with the adapters off.
struct LoraConfig {
    int64_t r = 0;          // rank; 0 = no adapters (full fine-tuning)
    double alpha = 8.0;     // PEFT lora_alpha
    double dropout = 0.0;   // PEFT lora_dropout, on the adapter's input only
    // PEFT target_modules: a projection is adapted when its name ends with ".<target>"
    // ("c_proj" takes attn.c_proj and mlp.c_proj; "attn.c_proj" only the first).
    // PEFT's default for GPT-2 is c_attn.
    std::vector<std::string> targets{"c_attn"};
    bool enabled() const { return r > 0; }
    double scaling() const { return alpha / static_cast<double>(r); }
};

struct PpoConfig {
    // ---- models and data (SPEC Part B)
    std::string policy_model = "gavin124/gpt2-finetuned-cnn-summarization-v2";
    std::string dataset = "abisee/cnn_dailymail";
    std::string dataset_config = "1.0.0";
    std::string dataset_split = "validation";

    // ---- rollout: pure ancestral sampling
    int64_t query_max_tokens = 512;  // the article is truncated to this many tokens
    int64_t max_new_tokens = 128;    // no minimum length
    int64_t top_k = 0;               // 0 = off
    double top_p = 1.0;              // 1.0 = off
    double temperature = 1.0;

    // ---- optimisation (TRL PPOConfig names and defaults, notebook overrides)
    double learning_rate = 1.41e-5;  // Adam, TRL's default optimiser (betas 0.9/0.999, eps 1e-8)
    int64_t batch_size = 4;          // rollouts per PPO step
    int64_t mini_batch_size = 4;     // rollouts per optimiser step
    int64_t ppo_epochs = 4;          // passes over each batch
    int64_t steps = 250;             // PPO steps (the notebook stopped after about 100)
    std::optional<double> max_grad_norm;  // TRL default None: no clipping
    uint64_t seed = 0;                    // TRL default 0

    // A value head the checkpoint does not have (any plain GPT-2 checkpoint).
    // Ours: it starts at zero, so the first advantages come from the rewards.
    // Reference (TRL): nn.Linear's random init, values of order 0.5, whose noise
    // drowns a reward of ROUGE's scale (~0.1) in the advantages for many steps
    // (measured: a tiny summariser's reward did not rise in 60 steps with it and
    // rose from 0.07 to 0.12 in 30 without it).
    bool value_head_zero_init = true;

    // ---- KL penalty in the rewards
    bool adaptive_kl = true;    // TRL adap_kl_ctrl; false = FixedKLController(init_kl_coef)
    double init_kl_coef = 0.2;  // TRL init_kl_coef
    double kl_target = 6.0;     // TRL target
    double kl_horizon = 10000.0;  // TRL horizon
    KlEstimator kl_estimator = KlEstimator::K1;  // TRL kl_penalty "kl"; K3 is our never-negative option

    // ---- GAE
    double gamma = 1.0;
    double lam = 0.95;
    bool whiten_rewards = false;  // TRL whiten_rewards

    // ---- clipped losses
    double cliprange = 0.2;        // policy ratio clip
    double cliprange_value = 0.2;  // value prediction clip, around the rollout's values
    double vf_coef = 0.1;          // value loss weight in the total loss
    double ratio_threshold = 10.0; // a mini-batch whose mean ratio exceeds this is skipped
    bool early_stopping = false;   // TRL early_stopping (off by default)
    double target_kl = 1.0;        // TRL target_kl, used only with early_stopping

    // ---- speed
    // BF16 autocast in the rollouts and PPO passes (rl/mixed_precision.h): matmuls
    // and attention in bfloat16; weights, heads, losses and Adam stay fp32. Off by
    // default: fp32 is what the TRL parity tests hold us to. About 1.5x faster
    // per step on CPUs with AVX512_BF16 or AMX (docs/BENCHMARKS.md); slower on others.
    bool bf16 = false;
    // ---- parameter-efficient training
    LoraConfig lora;

    // ---- reference behaviours (SPEC "known weaknesses"); defaults are ours
    // Dropout while sampling rollouts. Reference: on from the second step, because
    // TRL's train_minibatch() leaves the model in train mode and generation follows.
    bool dropout_in_rollout = false;
    // Dropout in the PPO forward passes. Off in TRL too (batched_forward_pass()
    // calls model.eval() before every pass, including the one that is trained).
    bool dropout_in_ppo = false;
    // Reference: pad = eos, so a real EOS in a response is indistinguishable from
    // padding. Ours: a distinct pad id, masks from lengths.
    bool pad_is_eos = false;
    // Reference: every query left-padded with EOS to query_max_tokens, attended
    // to. Ours: pad only inside a batch, attention masks and position ids.
    bool pad_queries_to_max = false;
    // Reference (padded response tensors): the score lands on the last column of
    // the padded response. Ours: on the last real response token from the mask.
    bool score_on_padded_end = false;
    // TRL zeroes the loss of a mini-batch over ratio_threshold but still calls
    // optimizer.step(), so Adam's momentum moves the weights anyway. Ours: skip
    // the optimiser step for that mini-batch.
    bool step_optimizer_on_skipped_minibatch = false;
};

// Name -> estimator as TRL's kl_penalty spells it ("kl", "abs", "mse", "full") and
// ours ("k3"); nullopt for another name.
std::optional<KlEstimator> kl_estimator_from_name(const std::string & name);

// ============================================================================ ranks
// One process of a data-parallel run (torchrun's variables): every rank rolls out and
// scores its share of each batch, the gradients are summed over ranks (c10d: Gloo on
// CPU, NCCL on CUDA), and rank 0 alone writes the run directory.
struct PpoRanks {
    int world_size = 1;        // 1 = a single process
    int rank = 0;
    int local_rank = 0;        // among the ranks on this machine (its GPU with device "cuda")
    int local_world_size = 1;  // ranks on this machine: they share its cores and memory
    std::string master_addr = "127.0.0.1";  // where rank 0 serves the rendezvous
    int master_port = 29500;
    double timeout_s = 1800;   // how long a collective (and the rendezvous) waits for the others
};

// The environment torchrun sets (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT, LOCAL_RANK,
// LOCAL_WORLD_SIZE; without the LOCAL_ ones every rank is on this machine, as `ragppo ppo
// --nproc` starts them); nullopt when WORLD_SIZE is unset. Throws ragppo::Error naming a
// malformed or inconsistent variable.
std::optional<PpoRanks> ppo_ranks_from_env();

// ============================================================================ a run
struct PpoParams {
    PpoConfig ppo;                     // model id (policy_model), dataset id/config/split, and the PPO settings
    std::string article_column = "article";
    std::string summary_column = "highlights";
    std::string id_column = "id";      // optional: the row number when the file has no such column
    size_t limit = 0;                  // use only the first N usable rows; 0 = all
    size_t eval_samples = 20;          // hold out the last N articles: ROUGE before and after (0 = none)
    std::string out_dir = "runs/ppo";  // new, empty, or this run (resume / overwrite)
    int64_t save_every = 25;           // checkpoint every N steps (and after the last); 0 = only the last
    int keep_checkpoints = 2;
    // Continue out_dir's run from its latest checkpoint, with its own settings (model,
    // data, held-out set, checkpointing, PPO config) in place of these; ppo.steps other
    // than the default extends it, the default runs to the end it was started for.
    bool resume = false;
    bool overwrite = false;            // replace the run in out_dir with a fresh one
    bool export_model = true;          // out_dir/model in the HF layout (LoRA: PEFT's adapter layout)
    bool merge_lora = false;           // with LoRA: export the merged weights instead of the adapters
    bool plots = true;                 // out_dir/training.svg
    std::string device = "cpu";        // "cpu", "cuda", "cuda:1"
    int n_threads = 0;                 // torch threads; 0 = torch's default
    bool quiet = true;                 // no progress bar or log lines on stderr/stdout
    int64_t log_every = 10;            // with quiet off: print the mean reward every N steps (0 = never)
    bool verify_checkpoint = true;     // resume: check the checkpoint's tensor files (CRC-32C) first
    HubParams hub;

    // Settings the caller set on purpose, by their key in the run's saved settings:
    // config.json's PPO names (TRL's: learning_rate, batch_size, lora_r, ...) and the
    // run's own (model, dataset, config, split, limit, article_column, summary_column,
    // id_column, eval_samples_requested, save_every, keep_checkpoints, steps), plus
    // merge_lora. A resumed run refuses one that contradicts it (steps may grow), and
    // lora_alpha / lora_dropout / lora_target_modules / merge_lora without a rank are
    // refused. Empty: resume takes every setting from the run.
    std::set<std::string> chosen;
    // How errors name a setting to the caller ("learning_rate" -> "--lr" for a CLI, a
    // keyword for Python); a key not here is named as it is.
    std::map<std::string, std::string> setting_names;

    PpoRanks ranks;  // world_size > 1: this process is one rank of a data-parallel run
    // After every input is checked, before this rank connects to the others: where a
    // launcher starts the other ranks (`ragppo ppo --nproc` starts copies of itself).
    std::function<void()> on_inputs_checked;
};

// One step's statistics under TRL's names (docs/PPO_METRICS.md): env/reward_mean,
// objective/kl, objective/kl_coef, ppo/loss/total, time/step, ...
struct PpoStep {
    int64_t step = 0;  // 0-based
    int64_t steps = 0; // the run's total
    std::map<std::string, double> stats;
};

struct PpoResult {
    int64_t steps_done = 0;     // steps completed, including ones before a resume
    int64_t first_step = 0;     // where this call started
    size_t train_articles = 0;
    size_t eval_articles = 0;
    double eval_before = -1;    // mean ROUGE-1 F1 on the held-out articles; -1 = not run
    double eval_after = -1;
    std::vector<double> step_rewards;  // mean reward of each step this call ran
};

// Throws ragppo::Error for bad input (model, data, run directory, a batch that
// cannot fit in memory) before anything is written, and when the loss turns NaN/inf
// (the last good checkpoint stays; rank 0 reports it). `on_step` runs on rank 0 after
// each step is logged; an exception it throws stops the run there (the checkpoints
// written so far stay).
PpoResult ppo_run(const PpoParams & params, const std::function<void(const PpoStep & step)> & on_step = {});

// ============================================================================ held-out ROUGE
// Summarise a slice of articles with any GPT-2 checkpoint (a run's model/, a PEFT LoRA
// adapter directory on its base, or a Hub id) and score each against its reference:
// `ragppo summarize-eval`.
struct SummarizeEvalParams {
    std::string model = PpoConfig{}.policy_model;
    std::string dataset = PpoConfig{}.dataset;  // a CSV/JSON/JSONL/Parquet file, or a Hub dataset id
    std::string dataset_config = PpoConfig{}.dataset_config;
    std::string dataset_split = PpoConfig{}.dataset_split;
    std::string article_column = "article";
    std::string summary_column = "highlights";
    std::string id_column = "id";
    size_t limit = 0;                // read only the first N usable rows; 0 = all
    size_t offset = 0;               // first usable row of the slice
    size_t count = 50;               // rows in the slice; 0 = to the end
    int64_t query_max_tokens = 512;  // articles are cut to this many tokens
    int64_t max_new_tokens = 128;
    bool greedy = false;             // default: pure sampling, as the PPO rollouts
    uint64_t seed = 0;
    int64_t batch_size = 8;          // articles summarised together
    bool stem = false;               // Porter-stem tokens before ROUGE
    std::string device = "cpu";
    int n_threads = 0;               // torch threads; 0 = torch's default
    bool quiet = true;               // no data report on stderr
    HubParams hub;
};

struct SummarizeEvalResult {
    size_t first_row = 0, rows = 0;           // the slice of usable rows
    double rouge1 = 0, rouge2 = 0, rougeL = 0;  // mean F1 over the slice
    double seconds = 0;
    std::string json;  // per-article summaries and scores, with the means and settings
};

// Throws ragppo::Error for a model, data or slice that cannot be used, or a batch that
// cannot fit in memory. `progress(done, total)` after each batch.
SummarizeEvalResult summarize_eval(const SummarizeEvalParams & params,
                                   const std::function<void(size_t done, size_t total)> & progress = {});

// ============================================================================ integrity
// (These read files only: they work in a build without libtorch too.)
struct CheckpointCheck {
    int64_t step = 0;    // the step the checkpoint was taken after
    uint64_t bytes = 0;  // tensor bytes checked
};

// Every tensor file of one checkpoint (a run's checkpoints/step-NNNNNN) read whole and
// compared with the CRC-32C its state.json recorded. Throws ragppo::Error, one line
// naming the first bad or missing file, and when the checkpoint records no checksums.
CheckpointCheck ppo_checkpoint_verify(const std::string & checkpoint_dir);
// The complete checkpoints of a run directory, oldest first; empty when it has none.
std::vector<std::string> ppo_run_checkpoints(const std::string & run_dir);
bool ppo_is_checkpoint(const std::string & dir);  // has a checkpoint's state.json
bool ppo_is_run(const std::string & dir);         // has a checkpoints/ folder

}  // namespace ragppo
