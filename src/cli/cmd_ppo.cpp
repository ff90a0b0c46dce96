// ragppo ppo: PPO fine-tuning of a GPT-2 summariser with a ROUGE-1 reward
// (the reference notebook's Part B), and ragppo summarize-eval: held-out ROUGE
// of any GPT-2 checkpoint. Flags in, ragppo::ppo_run / ragppo::summarize_eval
// (include/ragppo/rl.h) out; --nproc starts the other ranks as copies of this process.
#include "commands.h"
#include "local_ranks.h"
#include "options.h"
#include "ragppo/data.h"
#include "ragppo/rl.h"
#include "ragppo/util.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

namespace ragppo::cli {

namespace {

// Where the articles come from and which part is used: the same flags for ppo and
// summarize-eval, into their parameter structs' fields.
struct DataFields {
    std::string & dataset;
    std::string & config;
    std::string & split;
    std::string & article_column;
    std::string & summary_column;
    std::string & id_column;
    size_t & limit;
};

void add_data_options(CLI::App * cmd, const DataFields & d) {
    cmd->add_option("-d,--dataset", d.dataset,
                    "Articles: a CSV/JSON/JSONL/Parquet file, or a Hub dataset id (each field is cut to " +
                        std::to_string(kDefaultMaxFieldBytes) + " bytes, with a warning)")
        ->capture_default_str();
    cmd->add_option("--config", d.config, "Config of a Hub dataset")->capture_default_str();
    cmd->add_option("--split", d.split, "Split of a Hub dataset")->capture_default_str();
    cmd->add_option("--article-column", d.article_column, "Column with the article")->capture_default_str();
    cmd->add_option("--summary-column", d.summary_column, "Column with the reference summary")->capture_default_str();
    cmd->add_option("--id-column", d.id_column, "Column with an id (optional)")->capture_default_str();
    cmd->add_option("--limit", d.limit, "Use only the first N usable rows (0 = all)")
        ->capture_default_str()->check(int_in("--limit", 0, std::numeric_limits<long long>::max()));
}

// ---------------------------------------------------------------- ppo

struct PpoArgs {
    PpoParams p;
    std::string kl_penalty = "kl";
    double max_grad_norm = 0;
    bool fixed_kl = false;
    bool random_value_head = false;
    bool reference = false;
    bool no_export = false, no_plots = false;
    int nproc = 1;  // --nproc: local data-parallel ranks
    double dist_timeout_s = 1800;
};

// Each flag that sets a run's setting, and the setting's key in the run's saved settings
// (config.json: TRL's names for PPO, the run's own for the rest). A flag given is a
// setting chosen: a resumed run refuses it when it says otherwise (PpoParams::chosen).
constexpr std::pair<const char *, const char *> kSettingFlags[] = {
    {"--model", "model"}, {"--dataset", "dataset"}, {"--config", "config"}, {"--split", "split"}, {"--limit", "limit"},
    {"--article-column", "article_column"}, {"--summary-column", "summary_column"}, {"--id-column", "id_column"},
    {"--eval-samples", "eval_samples_requested"}, {"--save-every", "save_every"}, {"--keep-checkpoints", "keep_checkpoints"},
    {"--steps", "steps"}, {"--merge", "merge_lora"}, {"--no-export", "export_model"},
    {"--query-max-tokens", "query_max_tokens"}, {"--max-new-tokens", "max_new_tokens"}, {"--top-k", "top_k"},
    {"--top-p", "top_p"}, {"--temperature", "temperature"}, {"--lr", "learning_rate"}, {"--batch-size", "batch_size"},
    {"--mini-batch-size", "mini_batch_size"}, {"--ppo-epochs", "ppo_epochs"}, {"--seed", "seed"},
    {"--fixed-kl", "adap_kl_ctrl"}, {"--init-kl-coef", "init_kl_coef"}, {"--kl-target", "target"},
    {"--kl-horizon", "horizon"}, {"--kl-penalty", "kl_penalty"}, {"--max-grad-norm", "max_grad_norm"},
    {"--gamma", "gamma"}, {"--lam", "lam"}, {"--whiten-rewards", "whiten_rewards"}, {"--cliprange", "cliprange"},
    {"--cliprange-value", "cliprange_value"}, {"--vf-coef", "vf_coef"}, {"--ratio-threshold", "ratio_threshold"},
    {"--random-value-head", "value_head_zero_init"}, {"--reference", "value_head_zero_init"},
    {"--dropout-in-rollout", "dropout_in_rollout"}, {"--reference", "dropout_in_rollout"},
    {"--dropout-in-ppo", "dropout_in_ppo"}, {"--pad-is-eos", "pad_is_eos"}, {"--reference", "pad_is_eos"},
    {"--pad-queries-to-max", "pad_queries_to_max"}, {"--reference", "pad_queries_to_max"},
    {"--score-on-padded-end", "score_on_padded_end"}, {"--reference", "score_on_padded_end"},
    {"--step-skipped-minibatches", "step_optimizer_on_skipped_minibatch"},
    {"--reference", "step_optimizer_on_skipped_minibatch"}, {"--bf16", "bf16"}, {"--lora-r", "lora_r"},
    {"--lora-alpha", "lora_alpha"}, {"--lora-dropout", "lora_dropout"}, {"--lora-targets", "lora_target_modules"},
};

void run_ppo_cmd(PpoArgs & a, const CLI::App & cmd) {
    PpoParams & p = a.p;
    auto & cfg = p.ppo;
    const auto kl = kl_estimator_from_name(a.kl_penalty);
    if (!kl) throw Error("--kl-penalty must be kl, abs, mse, full or k3, not '" + a.kl_penalty + "'");
    cfg.kl_estimator = *kl;
    cfg.adaptive_kl = !a.fixed_kl;
    if (a.max_grad_norm > 0) cfg.max_grad_norm = a.max_grad_norm;
    if (a.random_value_head || a.reference) cfg.value_head_zero_init = false;
    if (a.reference) {  // every known weakness of the reference, on purpose
        cfg.dropout_in_rollout = cfg.pad_is_eos = cfg.pad_queries_to_max = cfg.score_on_padded_end =
            cfg.step_optimizer_on_skipped_minibatch = true;
    }
    p.export_model = !a.no_export;
    p.plots = !a.no_plots;
    p.quiet = false;
    for (const auto & [flag, key] : kSettingFlags) {
        if (cmd.count(flag) > 0) {
            p.chosen.insert(key);
            p.setting_names[key] = flag;
        } else {
            p.setting_names.emplace(key, flag);
        }
    }

    // A rank of a data-parallel run started by torchrun (the environment says which), or
    // rank 0 of --nproc ranks whose copies start once every input was checked here.
    std::unique_ptr<LocalRanks> copies;
    if (const auto env = ppo_ranks_from_env()) {
        p.ranks = *env;
    } else if (a.nproc > 1) {
        p.ranks.world_size = p.ranks.local_world_size = a.nproc;
        p.ranks.master_port = free_loopback_port();
        p.on_inputs_checked = [&] { copies = std::make_unique<LocalRanks>(a.nproc, p.ranks.master_port); };
    }
    p.ranks.timeout_s = a.dist_timeout_s;
    const PpoResult r = ppo_run(p);
    if (p.ranks.rank != 0) return;  // rank 0 reports
    if (copies) copies->wait();
    std::printf("done: %lld steps; stats %s/stats.jsonl, curves %s/training.svg%s\n", static_cast<long long>(r.steps_done),
                p.out_dir.c_str(), p.out_dir.c_str(), p.export_model ? (", model " + p.out_dir + "/model").c_str() : "");
}

void register_ppo_cmd(CLI::App & app) {
    auto a = std::make_shared<PpoArgs>();
    auto & c = a->p.ppo;
    auto * cmd = app.add_subcommand(
        "ppo", "Fine-tune a GPT-2 summariser with PPO, reward = ROUGE-1 F1 against the reference summary (TRL's classic PPOTrainer)");
    cmd->add_option("-m,--model", c.policy_model, "GPT-2 checkpoint: a local HF directory or a Hub id")->capture_default_str();
    add_data_options(cmd, {c.dataset, c.dataset_config, c.dataset_split, a->p.article_column, a->p.summary_column,
                           a->p.id_column, a->p.limit});
    cmd->add_option("--eval-samples", a->p.eval_samples,
                    "Hold out the last N articles; ROUGE on them before and after training (0 = none)")
        ->capture_default_str()->check(int_in("--eval-samples", 0, 1'000'000));
    cmd->add_option("-o,--out", a->p.out_dir,
                    "Run directory (stats, checkpoints, plots, model): new, empty, or this run with --resume / --overwrite")
        ->capture_default_str()->check(not_blank("the run directory (-o)"));
    const std::string batch_cap = std::to_string(kMaxPpoBatch);
    cmd->add_option("--steps", c.steps, "PPO steps, >= 1")->capture_default_str()->check(int_in("--steps", 1, kMaxPpoSteps));
    cmd->add_option("--batch-size", c.batch_size,
                    "Rollouts per PPO step, 1.." + batch_cap + "; refused up front when the step's memory estimate exceeds "
                    "the available memory")
        ->capture_default_str()->check(int_in("--batch-size", 1, kMaxPpoBatch));
    cmd->add_option("--mini-batch-size", c.mini_batch_size, "Rollouts per optimiser step, 1.." + batch_cap + ", dividing --batch-size")
        ->capture_default_str()->check(int_in("--mini-batch-size", 1, kMaxPpoBatch));
    cmd->add_option("--ppo-epochs", c.ppo_epochs, "Passes over each batch, 1..1000")->capture_default_str()->check(int_in("--ppo-epochs", 1, 1000));
    cmd->add_option("--lr,--learning-rate", c.learning_rate, "Adam learning rate, > 0")
        ->capture_default_str()->check(real_in("--lr", 0, HUGE_VAL, /*lo_open=*/true));
    cmd->add_option("--max-grad-norm", a->max_grad_norm, "Clip the gradient norm (0 = off, TRL's default)")
        ->capture_default_str()->check(real_in("--max-grad-norm", 0, HUGE_VAL));
    cmd->add_option("--query-max-tokens", c.query_max_tokens, "Articles are cut to this many tokens, >= 1")
        ->capture_default_str()->check(int_in("--query-max-tokens", 1, 1 << 20));
    cmd->add_option("-n,--max-new-tokens", c.max_new_tokens, "Longest summary in tokens, >= 1")
        ->capture_default_str()->check(int_in("-n/--max-new-tokens", 1, 1 << 20));
    cmd->add_option("--temperature", c.temperature, "Rollout sampling temperature, finite and >= 0 (0 = greedy)")
        ->capture_default_str()->check(real_in("--temperature", 0, HUGE_VAL));
    cmd->add_option("--top-k", c.top_k, "Rollout top-k, >= 0 (0 = off: pure sampling)")
        ->capture_default_str()->check(int_in("--top-k", 0, std::numeric_limits<int32_t>::max()));
    cmd->add_option("--top-p", c.top_p, "Rollout top-p, in (0, 1] (1 = off)")
        ->capture_default_str()->check(real_in("--top-p", 0, 1, /*lo_open=*/true));
    cmd->add_option("--init-kl-coef", c.init_kl_coef, "Initial KL penalty coefficient, >= 0")
        ->capture_default_str()->check(real_in("--init-kl-coef", 0, HUGE_VAL));
    cmd->add_option("--kl-target", c.kl_target, "Target KL of the adaptive controller, > 0")
        ->capture_default_str()->check(real_in("--kl-target", 0, HUGE_VAL, true));
    cmd->add_option("--kl-horizon", c.kl_horizon, "Horizon of the adaptive controller, > 0")
        ->capture_default_str()->check(real_in("--kl-horizon", 0, HUGE_VAL, true));
    cmd->add_flag("--fixed-kl", a->fixed_kl, "Keep the KL coefficient fixed");
    cmd->add_option("--kl-penalty", a->kl_penalty, "KL estimator: kl (k1), abs, mse, full, k3 (never negative)")->capture_default_str();
    cmd->add_option("--cliprange", c.cliprange, "Policy ratio clip, > 0")->capture_default_str()->check(real_in("--cliprange", 0, HUGE_VAL, true));
    cmd->add_option("--cliprange-value", c.cliprange_value, "Value prediction clip, > 0")
        ->capture_default_str()->check(real_in("--cliprange-value", 0, HUGE_VAL, true));
    cmd->add_option("--vf-coef", c.vf_coef, "Value loss weight, >= 0")->capture_default_str()->check(real_in("--vf-coef", 0, HUGE_VAL));
    cmd->add_option("--ratio-threshold", c.ratio_threshold, "Skip a mini-batch whose mean ratio exceeds this, > 0")
        ->capture_default_str()->check(real_in("--ratio-threshold", 0, HUGE_VAL, true));
    cmd->add_flag("--whiten-rewards", c.whiten_rewards, "Whiten the rewards before GAE");
    cmd->add_option("--gamma", c.gamma, "GAE discount, in [0, 1]")->capture_default_str()->check(real_in("--gamma", 0, 1));
    cmd->add_option("--lam", c.lam, "GAE lambda, in [0, 1]")->capture_default_str()->check(real_in("--lam", 0, 1));
    cmd->add_option("--seed", c.seed, "Random seed (data order, sampling, shuffling, value head)")
        ->capture_default_str()->check(int_in("--seed", 0, std::numeric_limits<long long>::max()));
    cmd->add_option("--save-every", a->p.save_every, "Checkpoint every N steps, >= 0 (0 = only at the end)")
        ->capture_default_str()->check(int_in("--save-every", 0, kMaxPpoSteps));
    cmd->add_option("--keep-checkpoints", a->p.keep_checkpoints, "Checkpoints kept, >= 1")
        ->capture_default_str()->check(int_in("--keep-checkpoints", 1, 1'000'000));
    cmd->add_option("--log-every", a->p.log_every, "Print the mean reward every N steps (0 = never)")
        ->capture_default_str()->check(int_in("--log-every", 0, kMaxPpoSteps));
    cmd->add_flag("--resume", a->p.resume,
                  "Continue the run in --out from its latest checkpoint, with its settings (--steps may grow; other "
                  "flags that contradict the run are refused)");
    cmd->add_flag("--no-verify", [a](int64_t) { a->p.verify_checkpoint = false; },
                  "With --resume: skip the CRC-32C check of the checkpoint's tensor files (about 0.3 s per GB)");
    cmd->add_flag("--overwrite", a->p.overwrite, "Replace the run in --out with a fresh one (its stats, checkpoints, model)");
    cmd->add_flag("--no-export", a->no_export, "Do not write the trained model in the HF layout");
    cmd->add_flag("--no-plots", a->no_plots, "Do not write training.svg");
    cmd->add_option("--device", a->p.device, "cpu or cuda[:N]")->capture_default_str();
    cmd->add_option("-t,--threads", a->p.n_threads, "CPU threads for torch; 0 = torch's default (with several ranks: the cores / ranks)")
        ->check(int_in("--threads", 0, 4096));
    cmd->add_option("--nproc", a->nproc,
                    "Data-parallel ranks on this machine (Gloo on CPU, NCCL on CUDA): each rolls out and scores "
                    "--batch-size / N articles and the gradients are summed. Under torchrun (RANK, WORLD_SIZE, "
                    "MASTER_ADDR, MASTER_PORT set) the environment decides instead")
        ->capture_default_str()->check(int_in("--nproc", 1, 256));
    cmd->add_option("--dist-timeout", a->dist_timeout_s, "Seconds a rank waits for the others before giving up")
        ->capture_default_str()->check(real_in("--dist-timeout", 1, 7 * 86400.0));
    cmd->add_flag("--bf16", c.bf16,
                  "BF16 mixed precision: matmuls and attention in bfloat16, weights, heads, losses and Adam in fp32 "
                  "(about 1.5x faster per step on CPUs with AVX512_BF16 or AMX; held-out ROUGE stays fp32)");
    auto * lora = cmd->add_option_group("LoRA", "Train low-rank adapters and the value head instead of every weight (PEFT's LoRA)");
    lora->add_option("--lora-r", c.lora.r,
                     "Adapter rank, 0..4096 (0 = full fine-tuning); the KL reference is then the base weights with the "
                     "adapters off, so no second copy of the model is held")
        ->capture_default_str()->check(int_in("--lora-r", 0, 4096));
    lora->add_option("--lora-alpha", c.lora.alpha, "Adapter scale alpha (the update is alpha / r * B A x), > 0")
        ->capture_default_str()->check(real_in("--lora-alpha", 0, HUGE_VAL, true));
    lora->add_option("--lora-dropout", c.lora.dropout, "Dropout on the adapters' input, in [0, 1); like every dropout it acts only in passes with dropout on "
                     "(--dropout-in-ppo, --dropout-in-rollout), as in TRL, whose PPO passes run in eval mode")
        ->capture_default_str()->check(real_in("--lora-dropout", 0, 1, false, /*hi_open=*/true));
    lora->add_option("--lora-targets", c.lora.targets,
                     "Comma-separated projections to adapt, by name or name tail as PEFT matches them: c_attn, c_proj "
                     "(attention and MLP), c_fc, attn.c_proj, mlp.c_proj, h.0.attn.c_attn, ...")
        ->delimiter(',')->capture_default_str();
    lora->add_flag("--merge", a->p.merge_lora,
                   "Export the weights with the adapters merged in (Hugging Face layout) instead of the adapters "
                   "alone (PEFT layout)");
    auto * ref = cmd->add_option_group("reference behaviour", "Reproduce the reference notebook's weaknesses (off by default)");
    ref->add_flag("--reference", a->reference, "All of the switches below");
    ref->add_flag("--dropout-in-rollout", c.dropout_in_rollout, "Sample rollouts with dropout on (from the second step)");
    ref->add_flag("--random-value-head", a->random_value_head, "A new value head starts with TRL's random init, not at zero");
    ref->add_flag("--dropout-in-ppo", c.dropout_in_ppo, "Dropout on in the PPO training passes");
    ref->add_flag("--pad-is-eos", c.pad_is_eos, "Pad with EOS and strip trailing EOS from responses");
    ref->add_flag("--pad-queries-to-max", c.pad_queries_to_max, "Left-pad every query with attended EOS to --query-max-tokens");
    ref->add_flag("--score-on-padded-end", c.score_on_padded_end, "Put the score on the last padded response column");
    ref->add_flag("--step-skipped-minibatches", c.step_optimizer_on_skipped_minibatch,
                  "Run Adam on mini-batches skipped by the ratio threshold (their loss is zero)");
    add_hub_options(cmd, a->p.hub);
    cmd->callback([a, cmd] { run_ppo_cmd(*a, *cmd); });
}

// ---------------------------------------------------------------- summarize-eval

struct EvalArgs {
    SummarizeEvalParams p;
    std::string out;
};

void run_eval_cmd(EvalArgs & a) {
    a.p.quiet = false;
    std::optional<ProgressBar> bar;
    const SummarizeEvalResult r = summarize_eval(a.p, [&](size_t done, size_t total) {
        if (!bar) bar.emplace("summarize", total, "articles");
        bar->update(done);
    });
    if (bar) bar->finish();
    std::printf("%s on %zu articles (rows %zu-%zu), %s decoding:\n", a.p.model.c_str(), r.rows, r.first_row,
                r.first_row + r.rows - 1, a.p.greedy ? "greedy" : "sampled");
    std::printf("  ROUGE-1 %.4f  ROUGE-2 %.4f  ROUGE-L %.4f  (%.1f s)\n", r.rouge1, r.rouge2, r.rougeL, r.seconds);
    if (!a.out.empty()) {
        write_file_atomic(a.out, r.json);
        std::printf("written %s\n", a.out.c_str());
    }
}

void register_summarize_eval(CLI::App & app) {
    auto a = std::make_shared<EvalArgs>();
    auto * cmd = app.add_subcommand("summarize-eval", "Mean ROUGE-1/2/L of a GPT-2 summariser on a slice of articles");
    cmd->add_option("-m,--model", a->p.model, "GPT-2 checkpoint: local HF directory (e.g. <run>/model), a PEFT LoRA adapter directory on its base model, "
                    "or Hub id")->capture_default_str();
    add_data_options(cmd, {a->p.dataset, a->p.dataset_config, a->p.dataset_split, a->p.article_column,
                           a->p.summary_column, a->p.id_column, a->p.limit});
    cmd->add_option("--offset", a->p.offset, "First row of the slice")
        ->capture_default_str()->check(int_in("--offset", 0, std::numeric_limits<long long>::max()));
    cmd->add_option("--count", a->p.count, "Rows in the slice (0 = to the end)")
        ->capture_default_str()->check(int_in("--count", 0, std::numeric_limits<long long>::max()));
    cmd->add_option("--query-max-tokens", a->p.query_max_tokens, "Articles are cut to this many tokens, >= 1")
        ->capture_default_str()->check(int_in("--query-max-tokens", 1, 1 << 20));
    cmd->add_option("-n,--max-new-tokens", a->p.max_new_tokens, "Longest summary in tokens, >= 1")
        ->capture_default_str()->check(int_in("-n/--max-new-tokens", 1, 1 << 20));
    cmd->add_flag("--greedy", a->p.greedy, "Greedy decoding (default: pure sampling, as the PPO rollouts)");
    cmd->add_option("--seed", a->p.seed, "Sampling seed")
        ->capture_default_str()->check(int_in("--seed", 0, std::numeric_limits<long long>::max()));
    cmd->add_option("--batch-size", a->p.batch_size,
                    "Articles summarised together, 1.." + std::to_string(kMaxPpoBatch) +
                        "; refused up front when the memory estimate exceeds the available memory")
        ->capture_default_str()->check(int_in("--batch-size", 1, kMaxPpoBatch));
    cmd->add_flag("--stem", a->p.stem, "Porter-stem tokens before ROUGE");
    cmd->add_option("-o,--out", a->out, "Write per-article results as JSON");
    cmd->add_option("--device", a->p.device, "cpu or cuda[:N]")->capture_default_str();
    cmd->add_option("-t,--threads", a->p.n_threads, "CPU threads for torch; 0 = torch's default")->check(int_in("--threads", 0, 4096));
    add_hub_options(cmd, a->p.hub);
    cmd->callback([a] { run_eval_cmd(*a); });
}

}  // namespace

void register_ppo(CLI::App & app) {
    register_ppo_cmd(app);
    register_summarize_eval(app);
}

}  // namespace ragppo::cli
