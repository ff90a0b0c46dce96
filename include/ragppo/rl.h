// ragppo's public API, PPO face (libragppo-rl, libtorch): fine-tune a GPT-2
// summariser with PPO, the reward being ROUGE-1 F1 against the reference summary
// (TRL's classic PPOTrainer, SPEC Part B). One call runs the whole job: load the
// policy and the articles, hold some out, roll out, score, step, log, checkpoint,
// evaluate before and after, export in the Hugging Face layout.
//
//   ragppo::PpoParams p;  p.dataset = "articles.jsonl";  p.ppo.steps = 3;  p.out_dir = "run";
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
    bool resume = false;               // continue out_dir's run from its latest checkpoint, with its PPO settings
    bool overwrite = false;            // replace the run in out_dir with a fresh one
    bool export_model = true;          // out_dir/model in the HF layout (LoRA: PEFT's adapter layout)
    bool merge_lora = false;           // with LoRA: export the merged weights instead of the adapters
    bool plots = true;                 // out_dir/training.svg
    std::string device = "cpu";        // "cpu", "cuda", "cuda:1"
    int n_threads = 0;                 // torch threads; 0 = torch's default
    bool quiet = true;                 // no progress bar or log lines on stderr/stdout
    HubParams hub;
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
// (the last good checkpoint stays). `on_step` runs after each step is logged; an
// exception it throws stops the run there (the checkpoints written so far stay).
PpoResult ppo_run(const PpoParams & params, const std::function<void(const PpoStep & step)> & on_step = {});

}  // namespace ragppo
