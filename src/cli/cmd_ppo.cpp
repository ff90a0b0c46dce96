// ragppo ppo: PPO fine-tuning of a GPT-2 summariser with a ROUGE-1 reward
// (the reference notebook's Part B), and ragppo summarize-eval: held-out ROUGE
// of any GPT-2 checkpoint.
#include "cli/commands.h"
#include "cli/local_ranks.h"
#include "cli/options.h"
#include "data/dataset_files.h"
#include "rl/data_parallel.h"
#include "rl/gpt2_load.h"
#include "rl/lora.h"
#include "rl/lora_peft.h"
#include "rl/mixed_precision.h"
#include "rl/ppo_checkpoint.h"
#include "rl/ppo_config_json.h"
#include "rl/ppo_inputs.h"
#include "rl/ppo_memory.h"
#include "rl/ppo_run.h"
#include "rl/ppo_trainer.h"
#include "rl/run_dir.h"
#include "rl/summarize.h"
#include "util/atomic_write.h"
#include "util/available_memory.h"
#include "util/progress.h"

#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <sched.h>
#include <thread>

namespace ragppo::cli {

namespace {

namespace fs = std::filesystem;

// Where the articles come from and which part is used.
using DataArgs = rl::SummarySource;

void add_data_options(CLI::App * cmd, DataArgs & d) {
    cmd->add_option("-d,--dataset", d.dataset,
                    "Articles: a CSV/JSON/JSONL/Parquet file, or a Hub dataset id (each field is cut to " +
                        std::to_string(data::kDefaultMaxFieldBytes) + " bytes, with a warning)")
        ->capture_default_str();
    cmd->add_option("--config", d.config, "Config of a Hub dataset")->capture_default_str();
    cmd->add_option("--split", d.split, "Split of a Hub dataset")->capture_default_str();
    cmd->add_option("--article-column", d.columns.article, "Column with the article")->capture_default_str();
    cmd->add_option("--summary-column", d.columns.summary, "Column with the reference summary")->capture_default_str();
    cmd->add_option("--id-column", d.columns.id, "Column with an id (optional)")->capture_default_str();
    cmd->add_option("--limit", d.limit, "Use only the first N usable rows (0 = all)")
        ->capture_default_str()->check(int_in("--limit", 0, std::numeric_limits<long long>::max()));
}

// `report`: false on the ranks after the first of a data-parallel run (rank 0 says it once).
std::vector<rl::SummaryExample> load_examples(DataArgs & d, bool report = true) {
    rl::SummaryLoad load = rl::load_summary_source(d);
    const auto & data = load.data;
    if (report) {
        std::fprintf(stderr, "read %zu rows, %zu usable, %zu skipped\n", data.rows_read, load.usable, data.skipped.size());
        for (size_t i = 0; i < data.skipped.size() && i < 5; ++i) std::fprintf(stderr, "  skipped %s\n", data.skipped[i].c_str());
        for (size_t i = 0; i < data.cut.size() && i < 5; ++i) std::fprintf(stderr, "  warning: %s\n", data.cut[i].c_str());
        if (data.cut.size() > 5) {
            std::fprintf(stderr, "  warning: %zu more rows with a field cut to %zu bytes\n", data.cut.size() - 5,
                         data::kDefaultMaxFieldBytes);
        }
    }
    return std::move(load.data.examples);
}

// The memory a job will need against what is available, before any of it is allocated
// (rl/ppo_memory.h). On a GPU the weights and activations live in device memory, which
// this does not measure; there the fixed caps of the flags are the only limit.
std::optional<uint64_t> host_memory_for(const std::string & device) {
    if (device != "cpu") return std::nullopt;
    return util::available_memory_bytes();
}

void set_threads(int threads) {
    if (threads > 0) torch::set_num_threads(threads);
}

// The cores this process may run on (its affinity mask, which containers and taskset
// narrow), shared among the `local_ranks` on this machine, at least 1 each.
int threads_per_rank(int local_ranks) {
    cpu_set_t cpus;
    const int cores = sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? CPU_COUNT(&cpus)
                                                                     : static_cast<int>(std::thread::hardware_concurrency());
    return std::max(1, cores / local_ranks);
}

// ---------------------------------------------------------------- ppo

struct PpoArgs {
    rl::PpoRunParams run;
    DataArgs data;
    std::string model = rl::PpoConfig{}.policy_model;
    std::string kl_penalty = "kl";
    double max_grad_norm = 0;
    bool fixed_kl = false;
    bool random_value_head = false;
    bool reference = false;
    bool no_export = false, no_plots = false;
    bool overwrite = false;
    size_t eval_samples = 20;
    int threads = 0;
    int nproc = 1;                // --nproc: local data-parallel ranks
    double dist_timeout_s = 1800; // how long a collective waits for the other ranks
    std::string out = "runs/ppo";
};

using nlohmann::json;

// A resumed run stays the run it was: a setting it saved replaces the default, and a
// flag given explicitly that says otherwise is refused, naming the flag.
template <class T>
void restore(const CLI::App & cmd, const char * flag, const json & saved, const char * key, T & value) {
    if (!saved.contains(key)) return;  // a run saved before this setting was recorded
    const T was = saved.at(key).get<T>();
    if (cmd.count(flag) > 0 && !(value == was)) {
        throw Error(std::string(flag) + " " + json(value).dump() + " contradicts the resumed run's " + json(was).dump() +
                    ": drop the flag, or start a new run (another -o, or --overwrite)");
    }
    value = was;
}

// The flags that set PPO settings, and the settings' names in config.json (TRL's).
// A resumed run takes its settings from its checkpoint (run_ppo); these flags must agree.
constexpr std::pair<const char *, const char *> kPpoFlags[] = {
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

// The run settings of the latest checkpoint in `out` (what --resume continues).
json saved_run(const std::string & out) {
    const auto ckpt = rl::latest_checkpoint(fs::path(out) / "checkpoints");
    if (!ckpt) throw Error("--resume: no checkpoint in " + (fs::path(out) / "checkpoints").string());
    const auto state = rl::read_checkpoint_state(*ckpt);
    if (!state.contains("run") || !state.at("run").is_object()) throw Error("checkpoint " + ckpt->string() + " lacks its run settings");
    return state.at("run");
}

// Every setting that defines the run (model, data, held-out set, checkpointing) from the
// saved run, before any of them is used; contradicting flags are refused.
void restore_cli_settings(PpoArgs & a, const CLI::App & cmd, const json & run) {
    const json cli = run.value("cli", json::object());
    restore(cmd, "--model", cli, "model", a.model);
    restore(cmd, "--dataset", cli, "dataset", a.data.dataset);
    restore(cmd, "--config", cli, "config", a.data.config);
    restore(cmd, "--split", cli, "split", a.data.split);
    restore(cmd, "--limit", cli, "limit", a.data.limit);
    restore(cmd, "--article-column", cli, "article_column", a.data.columns.article);
    restore(cmd, "--summary-column", cli, "summary_column", a.data.columns.summary);
    restore(cmd, "--id-column", cli, "id_column", a.data.columns.id);
    if (cli.contains("eval_samples_requested")) {
        restore(cmd, "--eval-samples", cli, "eval_samples_requested", a.eval_samples);
    } else if (cli.contains("eval_samples") && cmd.count("--eval-samples") == 0) {
        a.eval_samples = cli.at("eval_samples").get<size_t>();  // older runs recorded only the held-out count
    }
    restore(cmd, "--save-every", cli, "save_every", a.run.save_every);
    restore(cmd, "--keep-checkpoints", cli, "keep_checkpoints", a.run.keep_checkpoints);
    // --steps may grow; without it the run goes to the end it was started for.
    if (cmd.count("--steps") == 0 && run.contains("ppo")) a.run.ppo.steps = run.at("ppo").value("steps", a.run.ppo.steps);
}

void check_ppo_flags_agree(const CLI::App & cmd, const rl::PpoConfig & cfg, const json & run) {
    if (!run.contains("ppo")) return;
    const json given = rl::ppo_config_to_json(cfg);
    const json & saved = run.at("ppo");
    for (const auto & [flag, key] : kPpoFlags) {
        if (cmd.count(flag) == 0 || !saved.contains(key) || given.at(key) == saved.at(key)) continue;
        throw Error(std::string(flag) + " contradicts the resumed run (" + key + " " + given.at(key).dump() + ", the run has " +
                    saved.at(key).dump() + "): drop the flag, or start a new run (another -o, or --overwrite)");
    }
}

void run_ppo_cmd(PpoArgs & a, const CLI::App & cmd) {
    // A rank of a data-parallel run: started by torchrun or by our own --nproc (the
    // environment says which rank); else rank 0 of --nproc ranks, or a lone process.
    const auto env_ranks = rl::data_parallel_from_env();
    const int world = env_ranks ? env_ranks->world_size : a.nproc;
    const int local_ranks = env_ranks ? env_ranks->local_world_size : a.nproc;  // on this machine
    const bool main_rank = !env_ranks || env_ranks->rank == 0;
    // One GPU per local rank, as torchrun's users expect: plain "cuda" becomes cuda:LOCAL_RANK.
    if (env_ranks && world > 1 && a.run.device == "cuda") a.run.device = "cuda:" + std::to_string(env_ranks->local_rank);
    if (main_rank) {
        // Whose directory is it: refused before any model or data is read (nothing is touched).
        rl::check_run_dir(a.out, a.run.resume, a.overwrite);
        // An existing directory is locked now, so a second writer fails before any loading.
        if (fs::is_directory(a.out)) a.run.run_lock = std::make_shared<util::FileLock>(rl::lock_run_dir(a.out));
    }
    json saved;
    if (a.run.resume) {
        saved = saved_run(a.out);
        restore_cli_settings(a, cmd, saved);
    }
    rl::check_batch_sizes(a.run.ppo);
    set_threads(a.threads > 0 || world == 1 ? a.threads : threads_per_rank(local_ranks));
    auto & cfg = a.run.ppo;
    const auto kl = rl::parse_kl_estimator(a.kl_penalty);
    if (!kl) throw Error("--kl-penalty must be kl, abs, mse, full or k3, not '" + a.kl_penalty + "'");
    cfg.kl_estimator = *kl;
    cfg.adaptive_kl = !a.fixed_kl;
    if (a.max_grad_norm > 0) cfg.max_grad_norm = a.max_grad_norm;
    if (a.random_value_head || a.reference) cfg.value_head_zero_init = false;
    if (a.reference) {  // every known weakness of the reference, on purpose
        cfg.dropout_in_rollout = cfg.pad_is_eos = cfg.pad_queries_to_max = cfg.score_on_padded_end =
            cfg.step_optimizer_on_skipped_minibatch = true;
    }
    cfg.policy_model = a.model;
    cfg.dataset = a.data.dataset;
    cfg.dataset_config = a.data.config;
    cfg.dataset_split = a.data.split;
    if (a.run.resume) {
        check_ppo_flags_agree(cmd, cfg, saved);
        // The run's own settings from here on (run_ppo takes them from the checkpoint too).
        const int64_t steps = cfg.steps;
        if (saved.contains("ppo")) cfg = rl::ppo_config_from_json(saved.at("ppo"));
        cfg.steps = steps;
    }
    rl::check_rank_split(cfg, world);
    if (!cfg.lora.enabled())
        for (const char * flag : {"--lora-alpha", "--lora-dropout", "--lora-targets", "--merge"})
            if (cmd.count(flag) > 0)
                throw Error(std::string(flag) + " applies to LoRA adapters: add --lora-r R" +
                            (a.run.resume ? " (the resumed run trains every weight)" : ""));
    if (a.run.merge_lora && a.no_export) throw Error("--merge shapes the export, which --no-export turns off");
    a.run.overwrite = a.overwrite;
    if (main_rank && cfg.bf16 && a.run.device == "cpu" && !rl::cpu_has_native_bf16())
        std::cerr << "warning: --bf16: this CPU has neither AVX512_BF16 nor AMX-BF16, so bfloat16 is converted in "
                     "software and likely slower than fp32\n";

    a.run.model_dir = rl::resolve_policy_dir(a.model, a.data.hub);
    // Refuse a model of another architecture or without a tokenizer, or a batch that
    // cannot fit in memory, before any data work.
    const rl::Gpt2Config model_config = rl::read_gpt2_config(a.run.model_dir);
    if (cfg.lora.enabled()) rl::check_lora_config(cfg.lora, model_config.n_layer);
    if (const auto available = host_memory_for(a.run.device)) {
        // Per rank: its share of each batch, and of this machine's memory with the other local ranks.
        rl::check_ppo_memory(model_config, cfg, *available / static_cast<uint64_t>(local_ranks), world);
    }
    (void)rl::load_checkpoint_tokenizer(a.run.model_dir);
    rl::HeldOutSplit split = rl::hold_out_last(load_examples(a.data, main_rank), a.eval_samples);
    const size_t held = split.eval.size();
    a.run.train = std::move(split.train);
    a.run.eval = std::move(split.eval);
    a.run.out_dir = a.out;
    a.run.export_model = !a.no_export;
    // The base an exported adapter names: the Hub id as given, or the local directory made absolute.
    a.run.base_model = fs::is_directory(a.model) ? fs::absolute(a.model).string() : a.model;
    a.run.plots = !a.no_plots;
    // Everything --resume restores (restore_cli_settings).
    a.run.settings = rl::run_settings(a.model, a.data, held, a.eval_samples, a.run.save_every, a.run.keep_checkpoints);
    if (main_rank)
        std::fprintf(stderr, "PPO: %zu training articles, %zu held out; %lld steps of %lld%s; run directory %s\n",
                     a.run.train.size(), a.run.eval.size(), static_cast<long long>(cfg.steps),
                     static_cast<long long>(cfg.batch_size),
                     world > 1 ? (" over " + std::to_string(world) + " ranks").c_str() : "", a.out.c_str());

    // The other ranks of --nproc start now that everything was checked here.
    std::unique_ptr<LocalRanks> copies;
    if (world > 1) {
        rl::DataParallelParams p;
        if (env_ranks) {
            p = *env_ranks;
        } else {
            copies = std::make_unique<LocalRanks>(world);
            p.world_size = world;
            p.master_port = copies->master_port();
        }
        p.timeout = std::chrono::milliseconds(static_cast<int64_t>(a.dist_timeout_s * 1000));
        p.device = a.run.device;
        a.run.data_parallel = std::make_shared<rl::DataParallel>(p);
    }
    const auto r = rl::run_ppo(a.run, [](const std::string & line) { std::printf("%s\n", line.c_str()); std::fflush(stdout); });
    if (!main_rank) return;  // rank 0 reports, a NaN stop included
    if (copies) copies->wait();
    if (r.stopped_non_finite) throw Error(r.stop_message);
    std::printf("done: %lld steps; stats %s/stats.jsonl, curves %s/training.svg%s\n", static_cast<long long>(r.steps_done),
                a.out.c_str(), a.out.c_str(), a.run.export_model ? (", model " + a.out + "/model").c_str() : "");
}

void register_ppo_cmd(CLI::App & app) {
    auto a = std::make_shared<PpoArgs>();
    auto & c = a->run.ppo;
    auto * cmd = app.add_subcommand(
        "ppo", "Fine-tune a GPT-2 summariser with PPO, reward = ROUGE-1 F1 against the reference summary (TRL's classic PPOTrainer)");
    cmd->add_option("-m,--model", a->model, "GPT-2 checkpoint: a local HF directory or a Hub id")->capture_default_str();
    add_data_options(cmd, a->data);
    cmd->add_option("--eval-samples", a->eval_samples,
                    "Hold out the last N articles; ROUGE on them before and after training (0 = none)")
        ->capture_default_str()->check(int_in("--eval-samples", 0, 1'000'000));
    cmd->add_option("-o,--out", a->out,
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
    cmd->add_option("--save-every", a->run.save_every, "Checkpoint every N steps, >= 0 (0 = only at the end)")
        ->capture_default_str()->check(int_in("--save-every", 0, kMaxPpoSteps));
    cmd->add_option("--keep-checkpoints", a->run.keep_checkpoints, "Checkpoints kept, >= 1")
        ->capture_default_str()->check(int_in("--keep-checkpoints", 1, 1'000'000));
    cmd->add_option("--log-every", a->run.log_every, "Print the mean reward every N steps (0 = never)")
        ->capture_default_str()->check(int_in("--log-every", 0, kMaxPpoSteps));
    cmd->add_flag("--resume", a->run.resume,
                  "Continue the run in --out from its latest checkpoint, with its settings (--steps may grow; other "
                  "flags that contradict the run are refused)");
    cmd->add_flag("--no-verify", [a](int64_t) { a->run.verify_checkpoint = false; },
                  "With --resume: skip the CRC-32C check of the checkpoint's tensor files (about 0.3 s per GB)");
    cmd->add_flag("--overwrite", a->overwrite, "Replace the run in --out with a fresh one (its stats, checkpoints, model)");
    cmd->add_flag("--no-export", a->no_export, "Do not write the trained model in the HF layout");
    cmd->add_flag("--no-plots", a->no_plots, "Do not write training.svg");
    cmd->add_option("--device", a->run.device, "cpu or cuda[:N]")->capture_default_str();
    cmd->add_option("-t,--threads", a->threads, "CPU threads for torch; 0 = torch's default (with several ranks: the cores / ranks)")
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
    lora->add_flag("--merge", a->run.merge_lora,
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
    add_hub_options(cmd, a->data.hub);
    cmd->callback([a, cmd] { run_ppo_cmd(*a, *cmd); });
}

// ---------------------------------------------------------------- summarize-eval

struct EvalArgs {
    DataArgs data;
    std::string model = rl::PpoConfig{}.policy_model;
    size_t offset = 0, count = 50;
    rl::SummarizeParams p;
    bool greedy = false, stem = false;
    std::string out;
    int threads = 0;
    std::string device = "cpu";
};

void run_eval_cmd(EvalArgs & a) {
    set_threads(a.threads);
    const auto dir = rl::resolve_policy_dir(a.model, a.data.hub);
    // A PEFT adapter directory (what `ragppo ppo --lora-r` exports) runs on its base model.
    const auto resolve_base = [&](const std::string & base) { return rl::resolve_policy_dir(base, a.data.hub); };
    const rl::Gpt2Config model_config =
        rl::read_gpt2_config(rl::is_peft_adapter_dir(dir) ? resolve_base(rl::peft_base_model(dir)) : dir);
    if (const auto available = host_memory_for(a.device)) {
        rl::check_summarize_memory(model_config, a.p.batch_size, a.p.query_max_tokens, a.p.rollout.max_new_tokens, *available);
    }
    auto examples = load_examples(a.data);
    if (a.offset >= examples.size())
        throw Error("--offset " + std::to_string(a.offset) + " is past the " + std::to_string(examples.size()) + " usable rows");
    const size_t end = a.count == 0 ? examples.size() : std::min(examples.size(), a.offset + a.count);
    const std::vector<rl::SummaryExample> slice(examples.begin() + static_cast<std::ptrdiff_t>(a.offset),
                                                examples.begin() + static_cast<std::ptrdiff_t>(end));
    rl::Gpt2LoadOptions lo;
    lo.device = torch::Device(a.device);
    auto loaded = rl::load_policy_or_adapter(dir, lo, resolve_base);
    auto & policy = loaded.policy;
    const auto tok = rl::load_checkpoint_tokenizer(loaded.tokenizer_dir);
    a.p.rollout.eos_id = tok.eos_token_id().value_or(50256);
    a.p.rollout.sampler.greedy = a.greedy;
    a.p.use_stemmer = a.stem;
    util::ProgressBar bar("summarize", slice.size(), "articles");
    const auto r = rl::summarize_eval(*policy, tok, slice, a.p, [&](size_t done) { bar.update(done); });
    bar.finish();
    std::printf("%s on %zu articles (rows %zu-%zu), %s decoding:\n", a.model.c_str(), slice.size(), a.offset, end - 1,
                a.greedy ? "greedy" : "sampled");
    std::printf("  ROUGE-1 %.4f  ROUGE-2 %.4f  ROUGE-L %.4f  (%.1f s)\n", r.rouge1, r.rouge2, r.rougeL, r.seconds);
    if (!a.out.empty()) {
        auto j = rl::summarize_eval_json(r);
        j["model"] = a.model;
        j["offset"] = a.offset;
        j["greedy"] = a.greedy;
        util::write_file_atomic(a.out, j.dump(1) + "\n");
        std::printf("written %s\n", a.out.c_str());
    }
}

void register_summarize_eval(CLI::App & app) {
    auto a = std::make_shared<EvalArgs>();
    a->p.rollout.max_new_tokens = 128;
    auto * cmd = app.add_subcommand("summarize-eval", "Mean ROUGE-1/2/L of a GPT-2 summariser on a slice of articles");
    cmd->add_option("-m,--model", a->model, "GPT-2 checkpoint: local HF directory (e.g. <run>/model), a PEFT LoRA adapter directory on its base model, "
                    "or Hub id")->capture_default_str();
    add_data_options(cmd, a->data);
    cmd->add_option("--offset", a->offset, "First row of the slice")
        ->capture_default_str()->check(int_in("--offset", 0, std::numeric_limits<long long>::max()));
    cmd->add_option("--count", a->count, "Rows in the slice (0 = to the end)")
        ->capture_default_str()->check(int_in("--count", 0, std::numeric_limits<long long>::max()));
    cmd->add_option("--query-max-tokens", a->p.query_max_tokens, "Articles are cut to this many tokens, >= 1")
        ->capture_default_str()->check(int_in("--query-max-tokens", 1, 1 << 20));
    cmd->add_option("-n,--max-new-tokens", a->p.rollout.max_new_tokens, "Longest summary in tokens, >= 1")
        ->capture_default_str()->check(int_in("-n/--max-new-tokens", 1, 1 << 20));
    cmd->add_flag("--greedy", a->greedy, "Greedy decoding (default: pure sampling, as the PPO rollouts)");
    cmd->add_option("--seed", a->p.seed, "Sampling seed")
        ->capture_default_str()->check(int_in("--seed", 0, std::numeric_limits<long long>::max()));
    cmd->add_option("--batch-size", a->p.batch_size,
                    "Articles summarised together, 1.." + std::to_string(kMaxPpoBatch) +
                        "; refused up front when the memory estimate exceeds the available memory")
        ->capture_default_str()->check(int_in("--batch-size", 1, kMaxPpoBatch));
    cmd->add_flag("--stem", a->stem, "Porter-stem tokens before ROUGE");
    cmd->add_option("-o,--out", a->out, "Write per-article results as JSON");
    cmd->add_option("--device", a->device, "cpu or cuda[:N]")->capture_default_str();
    cmd->add_option("-t,--threads", a->threads, "CPU threads for torch; 0 = torch's default")->check(int_in("--threads", 0, 4096));
    add_hub_options(cmd, a->data.hub);
    cmd->callback([a] { run_eval_cmd(*a); });
}

}  // namespace

void register_ppo(CLI::App & app) {
    register_ppo_cmd(app);
    register_summarize_eval(app);
}

}  // namespace ragppo::cli
