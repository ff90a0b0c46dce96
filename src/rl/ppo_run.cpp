#include "rl/ppo_run.h"

#include "metrics/rouge.h"
#include "rl/gpt2_load.h"
#include "rl/hf_export.h"
#include "rl/lora.h"
#include "rl/lora_peft.h"
#include "rl/ppo_checkpoint.h"
#include "rl/ppo_config_json.h"
#include "rl/ppo_trainer.h"
#include "rl/run_dir.h"
#include "rl/summarize.h"
#include "rl/training_plots.h"
#include "util/atomic_write.h"
#include "util/progress.h"
#include "util/summary_stats.h"
#include "util/timer.h"
#include "ragppo.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <random>
#include <sstream>

namespace ragppo::rl {

namespace fs = std::filesystem;

namespace {

double seconds_since(util::Clock::time_point t0) { return util::ms_since(t0) / 1000.0; }

// The order of the training examples in pass `epoch` over them: a fresh
// shuffle per pass, a pure function of (seed, epoch), so a resumed run finds
// its place from the cursor alone.
class DataOrder {
public:
    DataOrder(size_t n, uint64_t seed) : n_(n), seed_(seed) {}
    size_t at(int64_t cursor) {
        const int64_t epoch = cursor / static_cast<int64_t>(n_);
        if (epoch != epoch_) {
            order_.resize(n_);
            std::iota(order_.begin(), order_.end(), size_t{0});
            std::mt19937_64 rng(seed_ * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(epoch) + 1);
            std::shuffle(order_.begin(), order_.end(), rng);
            epoch_ = epoch;
        }
        return order_[static_cast<size_t>(cursor % static_cast<int64_t>(n_))];
    }

private:
    size_t n_;
    uint64_t seed_;
    int64_t epoch_ = -1;
    std::vector<size_t> order_;
};

// Keeps the first `steps` lines of a per-step log (a resumed run rewrites what
// came after its checkpoint).
void truncate_log(const fs::path & path, int64_t steps) {
    if (!fs::exists(path)) return;
    std::ifstream in(path);
    std::string line, kept;
    for (int64_t i = 0; i < steps && std::getline(in, line); ++i) kept += line + "\n";
    util::write_file_atomic(path.string(), kept);
}


// ---------------------------------------------------------------- the run's stages
// run_ppo (below) calls these top to bottom; each owns one job of the loop.

// Everything the stages share.
struct Run {
    Run(const PpoRunParams & p, std::function<void(const std::string &)> l, std::shared_ptr<DataParallel> d)
        : params(p), log(std::move(l)), dp(std::move(d)) {}
    const PpoRunParams & params;
    std::function<void(const std::string &)> log;  // rank 0's; other ranks log nothing
    std::shared_ptr<DataParallel> dp;
    fs::path out;
    PpoConfig cfg;
    nlohmann::json settings;  // config.json and every checkpoint's state.json
    std::optional<fs::path> resume_from;
    Gpt2Policy policy{nullptr};
    std::optional<text::Gpt2Tokenizer> tok;
    int64_t eos = 0, pad = 0;
    std::unique_ptr<PpoTrainer> trainer;
    torch::Generator sample_rng;
    TrainingCursor cursor;
    RolloutParams decoding;   // training rollouts
    SummarizeParams held_out; // held-out ROUGE: the same decoding, fp32, a fixed seed
    nlohmann::json eval_record;
    std::vector<std::vector<int32_t>> query_cache;  // tokenised once per article
    std::string last_checkpoint;
    PpoRunResult result;

    fs::path checkpoints() const { return out / "checkpoints"; }
    bool main() const { return dp->is_main(); }
    fs::path eval_path() const { return out / "eval.json"; }
};

// Settings: a fresh run's, or those a resumed run started with (only the number of
// steps may grow); a fresh run records them in config.json.
void start_or_resume(Run & run) {
    const PpoRunParams & params = run.params;
    run.cfg = params.ppo;
    if (params.resume) {
        run.resume_from = latest_checkpoint(run.checkpoints());
        if (!run.resume_from) throw Error("--resume: no checkpoint in " + run.checkpoints().string());
        const auto saved = read_checkpoint_state(*run.resume_from).at("run");
        const int saved_world = saved.value("world_size", 1), world = run.dp->world_size();
        if (saved_world != world)
            throw Error("--resume: the run in " + run.out.string() + " was trained by " + std::to_string(saved_world) +
                        " rank(s), this one has " + std::to_string(world) + "; resume with " +
                        (saved_world == 1 ? std::string("one process") : "--nproc " + std::to_string(saved_world)));
        run.cfg = ppo_config_from_json(saved.at("ppo"));
        run.cfg.steps = params.ppo.steps;
    }
    run.settings = {{"ppo", ppo_config_to_json(run.cfg)},
                    {"world_size", run.dp->world_size()},
                    {"model_dir", params.model_dir.string()},
                    {"train_examples", params.train.size()},
                    {"eval_examples", params.eval.size()},
                    {"cli", params.settings}};
    if (!params.resume && run.main()) util::write_file_atomic((run.out / "config.json").string(), run.settings.dump(1) + "\n");
}

// The policy, its frozen copy as the KL reference, the tokenizer, the trainer, and
// the decoding of rollouts and of the held-out evaluation.
void load_models(Run & run) {
    const PpoConfig & cfg = run.cfg;
    const torch::Device device(run.params.device);
    torch::manual_seed(cfg.seed);  // a fresh value head is drawn from torch's global RNG
    Gpt2LoadOptions lo;
    lo.device = device;
    lo.zero_new_value_head = cfg.value_head_zero_init;
    run.policy = load_gpt2_policy(run.params.model_dir, lo);
    run.tok = load_checkpoint_tokenizer(run.params.model_dir);
    if (static_cast<int64_t>(run.tok->vocab_size()) > run.policy->config().vocab_size)
        throw Error("the tokenizer of " + run.params.model_dir.string() + " has " + std::to_string(run.tok->vocab_size()) +
                    " tokens, the model only " + std::to_string(run.policy->config().vocab_size));
    run.eos = run.tok->eos_token_id().value_or(50256);
    run.pad = cfg.pad_is_eos ? run.eos : 0;
    if (cfg.lora.enabled()) {
        // Adapters drawn from the seeded global RNG; the base weights, switched on and
        // off, are both policy and reference.
        const auto lora = apply_lora(*run.policy, cfg.lora);
        run.log("LoRA r " + std::to_string(cfg.lora.r) + ", alpha " + util::format_number("%g", cfg.lora.alpha) + ": " +
                std::to_string(lora.adapters) + " adapters, " + std::to_string(lora.trainable_parameters) +
                " trainable parameters (adapters and value head), " + std::to_string(lora.frozen_parameters) + " frozen");
        run.trainer = std::make_unique<PpoTrainer>(run.policy, Gpt2Policy{nullptr}, cfg, run.pad, run.dp);
    } else {
        run.trainer = std::make_unique<PpoTrainer>(run.policy, frozen_copy(*run.policy), cfg, run.pad, run.dp);
    }
    // Each rank samples its own rollouts (rank 0 as one process would); torch's global
    // RNG (dropout) differs per rank too.
    const uint64_t rank = static_cast<uint64_t>(run.dp->rank());
    run.sample_rng = make_cpu_generator(cfg.seed + 1 + 1000003 * rank);
    if (rank > 0) torch::manual_seed(cfg.seed + 7919 * rank);

    run.decoding.max_new_tokens = cfg.max_new_tokens;
    run.decoding.sampler.top_k = cfg.top_k;
    run.decoding.sampler.top_p = cfg.top_p;
    run.decoding.sampler.temperature = cfg.temperature;
    run.decoding.eos_id = run.eos;
    run.decoding.pad_id = run.pad;
    run.decoding.bf16 = cfg.bf16;
    run.held_out.query_max_tokens = cfg.query_max_tokens;
    run.held_out.rollout = run.decoding;
    run.held_out.rollout.bf16 = false;  // held-out ROUGE is always measured in fp32
    run.held_out.batch_size = run.params.eval_batch_size;
    run.held_out.seed = cfg.seed + 2;
}

// A resumed run takes the trainer, RNG and data cursor from its checkpoint and cuts
// its logs back to that step; a fresh one starts empty logs.
void restore_progress(Run & run) {
    if (run.resume_from) {
        run.cursor = load_checkpoint(*run.resume_from, *run.trainer, run.sample_rng, run.params.verify_checkpoint);
        if (run.main()) {
            truncate_log(run.out / "stats.jsonl", run.cursor.step);
            truncate_log(run.out / "samples.jsonl", run.cursor.step);
        }
        run.last_checkpoint = run.resume_from->string();
        run.log("resuming from " + run.last_checkpoint + " (step " + std::to_string(run.cursor.step) + ")");
    } else if (run.main()) {
        std::error_code ec;
        fs::remove(run.out / "stats.jsonl", ec);
        fs::remove(run.out / "samples.jsonl", ec);
    }
    run.result.first_step = run.cursor.step;
    run.result.steps_done = run.cursor.step;
}

std::string rouge_line(const SummarizeEvalResult & e) {
    return "ROUGE-1 " + util::format_number("%.4f", e.rouge1) + "  ROUGE-2 " + util::format_number("%.4f", e.rouge2) +
           "  ROUGE-L " + util::format_number("%.4f", e.rougeL);
}

// Held-out ROUGE before training (a resumed run reads the one it measured), on rank 0.
void evaluate_before(Run & run) {
    if (run.params.eval.empty() || !run.main()) return;
    if (run.params.resume && fs::exists(run.eval_path())) {
        run.eval_record = nlohmann::json::parse(std::ifstream(run.eval_path()));
        run.result.eval_before = run.eval_record.at("before").at("rouge1").get<double>();
        return;
    }
    run.log("held-out evaluation before training: " + std::to_string(run.params.eval.size()) + " articles");
    const auto before = summarize_eval(*run.policy, *run.tok, run.params.eval, run.held_out);
    run.result.eval_before = before.rouge1;
    run.eval_record["before"] = summarize_eval_json(before);
    util::write_file_atomic(run.eval_path().string(), run.eval_record.dump(1) + "\n");
    run.log("  " + rouge_line(before));
}

struct Batch {
    std::vector<size_t> rows;                    // indices into params.train (this rank's share)
    std::vector<std::vector<int32_t>> queries;   // their article queries
};

// The next batch_size articles of the shuffled data; in a data-parallel run, this
// rank's contiguous share of them.
Batch next_batch(Run & run, DataOrder & order) {
    Batch b;
    const int64_t share = run.cfg.batch_size / run.dp->world_size(), first = run.dp->rank() * share;
    const int64_t start = run.cursor.data_cursor;
    run.cursor.data_cursor += run.cfg.batch_size;
    for (int64_t i = first; i < first + share; ++i) {
        const size_t row = order.at(start + i);
        auto & q = run.query_cache[row];
        if (q.empty()) {
            q = article_query(*run.tok, run.params.train[row].article, run.cfg.query_max_tokens);
            if (run.cfg.pad_queries_to_max && static_cast<int64_t>(q.size()) < run.cfg.query_max_tokens)
                q.insert(q.begin(), static_cast<size_t>(run.cfg.query_max_tokens) - q.size(), static_cast<int32_t>(run.eos));
        }
        b.rows.push_back(row);
        b.queries.push_back(q);
    }
    return b;
}

struct Scored {
    std::vector<RolloutSequence> seqs;
    std::vector<std::vector<int32_t>> responses;  // as the PPO step sees them
    std::vector<std::string> texts;
    std::vector<double> scores;
    double generate_s = 0, reward_s = 0;
};

// Roll out one response per query. The reference sampled with dropout on from its
// second step.
Scored roll_out(Run & run, const Batch & batch, int64_t step) {
    Scored s;
    const auto t0 = util::Clock::now();
    run.decoding.dropout = run.cfg.dropout_in_rollout && step > 0;
    s.seqs = rollout(*run.policy, batch.queries, run.decoding, run.sample_rng);
    s.generate_s = seconds_since(t0);
    return s;
}

// Rewards: ROUGE-1 F1 of each decoded response against its reference summary.
void score(Run & run, const Batch & batch, Scored & s) {
    const auto t0 = util::Clock::now();
    for (size_t i = 0; i < s.seqs.size(); ++i) {
        auto resp = s.seqs[i].response;
        // Reference: pad == EOS, and TRL's generate() strips trailing pad tokens, EOS included.
        if (run.cfg.pad_is_eos)
            while (resp.size() > 1 && resp.back() == run.eos) resp.pop_back();
        s.texts.push_back(response_text(*run.tok, resp));
        const auto & ex = run.params.train[batch.rows[i]];
        s.scores.push_back(run.params.reward ? run.params.reward(ex, s.texts.back())
                                             : metrics::rouge1_f1(ex.summary, s.texts.back()));
        s.responses.push_back(std::move(resp));
    }
    s.reward_s = seconds_since(t0);
}

// The PPO update; nullopt when the loss went NaN/inf (the run stops, its last good
// checkpoint untouched).
std::optional<Stats> ppo_step(Run & run, const Batch & batch, const Scored & s, int64_t step) {
    try {
        return run.trainer->step(batch.queries, s.responses, s.scores);
    } catch (const NonFiniteLoss & e) {
        run.result.stopped_non_finite = true;
        run.result.stop_message = "step " + std::to_string(step + 1) + ": " + e.what() + "; training stopped" +
                                  (run.last_checkpoint.empty() ? " (no checkpoint was written yet)"
                                                               : ", the last good checkpoint is " + run.last_checkpoint);
        return std::nullopt;
    }
}

// Every rank's samples of the step (id, response, reward, truncated), in batch order.
nlohmann::json gather_samples(Run & run, const Batch & batch, const Scored & s) {
    nlohmann::json mine = nlohmann::json::array();
    for (size_t i = 0; i < batch.rows.size(); ++i)
        mine.push_back({{"id", run.params.train[batch.rows[i]].id}, {"response", s.texts[i]},
                        {"reward", s.scores[i]}, {"truncated", s.seqs[i].truncated}});
    if (run.dp->world_size() == 1) return mine;
    nlohmann::json all = nlohmann::json::array();
    for (const auto & part : run.dp->all_gather_bytes(mine.dump()))
        for (auto & sample : nlohmann::json::parse(part)) all.push_back(std::move(sample));
    return all;
}

// The run's own statistics beside TRL's: reward, truncation (over the whole batch), time.
void add_run_stats(Stats & stats, const nlohmann::json & samples, const Scored & s, double step_s) {
    std::vector<double> rewards;
    int64_t truncated = 0;
    for (const auto & sample : samples) {
        rewards.push_back(sample.at("reward").get<double>());
        truncated += sample.at("truncated").get<bool>() ? 1 : 0;
    }
    const util::MeanStd reward = util::mean_std(rewards);
    stats["env/reward_mean"] = reward.mean;
    // A batch of one has no spread: 0 rather than torch's NaN, which JSON cannot hold.
    stats["env/reward_std"] = rewards.size() < 2 ? 0.0 : reward.std;
    stats["tokens/responses_truncated_frac"] = static_cast<double>(truncated) / static_cast<double>(rewards.size());
    stats["time/rollout/generate"] = s.generate_s;
    stats["time/rollout/reward"] = s.reward_s;
    stats["time/step"] = step_s;
}

// Where each step goes: stats.jsonl, samples.jsonl, the progress bar, a log line
// every log_every steps.
struct StepLog {
    std::ofstream stats, samples;
    std::unique_ptr<util::ProgressBar> bar;
    std::vector<double> recent;  // mean rewards since the last log line
};

void log_step(Run & run, StepLog & sl, int64_t step, const Stats & stats, nlohmann::json samples) {
    const double reward = stats.at("env/reward_mean");
    run.result.step_rewards.push_back(reward);
    run.result.steps_done = step + 1;
    if (!run.main()) return;
    nlohmann::json line = {{"step", step + 1}};
    for (const auto & [k, v] : stats) line[k] = v;
    sl.stats << line.dump() << '\n' << std::flush;
    const nlohmann::json sample_line = {{"step", step + 1}, {"samples", std::move(samples)}};
    sl.samples << sample_line.dump() << '\n' << std::flush;

    sl.recent.push_back(reward);
    const double recent_mean = util::mean_std(sl.recent).mean;
    if (sl.bar) {
        sl.bar->set_status("reward " + util::format_number("%.3f", recent_mean) + "  kl " +
                           util::format_number("%.3f", stats.at("objective/kl")));
        sl.bar->update(static_cast<uint64_t>(step + 1));
    }
    if (run.params.log_every > 0 && (step + 1) % run.params.log_every == 0) {
        if (sl.bar) std::fputc('\n', stderr);
        run.log("step " + std::to_string(step + 1) + "/" + std::to_string(run.cfg.steps) + ": mean reward " +
                util::format_number("%.4f", recent_mean) + " (last " + std::to_string(sl.recent.size()) + " steps), kl " +
                util::format_number("%.4f", stats.at("objective/kl")) + ", kl_coef " +
                util::format_number("%.4f", stats.at("objective/kl_coef")) + ", " +
                util::format_number("%.1f", stats.at("time/step")) + " s/step");
        sl.recent.clear();
    }
}

// Every save_every steps and after the last one.
void checkpoint_if_due(Run & run, int64_t step) {
    const bool last = step + 1 == run.cfg.steps;
    if (!last && !(run.params.save_every > 0 && (step + 1) % run.params.save_every == 0)) return;
    run.cursor.step = step + 1;
    run.last_checkpoint = save_checkpoint(run.checkpoints(), *run.trainer, run.sample_rng, run.cursor, run.settings,
                                          run.params.keep_checkpoints).string();
}

// Held-out ROUGE after training and the trained policy in the Hugging Face layout.
void evaluate_after_and_export(Run & run) {
    if (!run.params.eval.empty()) {
        run.log("held-out evaluation after training");
        const auto after = summarize_eval(*run.policy, *run.tok, run.params.eval, run.held_out);
        run.result.eval_after = after.rouge1;
        run.eval_record["after"] = summarize_eval_json(after);
        run.eval_record["steps"] = run.result.steps_done;
        util::write_file_atomic(run.eval_path().string(), run.eval_record.dump(1) + "\n");
        run.log("  " + rouge_line(after) + "  (ROUGE-1 before " + util::format_number("%.4f", run.result.eval_before) + ")");
    }
    if (!run.params.export_model) return;
    const fs::path model = run.out / "model";
    if (run.cfg.lora.enabled() && !run.params.merge_lora) {
        const std::string base = run.params.base_model.empty() ? fs::absolute(run.params.model_dir).string()
                                                               : run.params.base_model;
        export_peft_adapter(*run.policy, run.cfg.lora, base, run.params.model_dir, model);
        run.log("trained LoRA adapters written to " + model.string() + " (PEFT layout, base " + base + ")");
    } else {
        export_hf(*run.policy, run.params.model_dir, model);
        run.log("trained policy written to " + model.string() + " (Hugging Face layout" +
                (run.cfg.lora.enabled() ? ", LoRA merged)" : ")"));
    }
}

}  // namespace

PpoRunResult run_ppo(const PpoRunParams & params, const std::function<void(const std::string &)> & log) {
    if (params.train.empty()) throw Error("PPO: no training articles");
    if (params.out_dir.empty()) throw Error("PPO: no run directory");
    // Ownership and the write lock before anything is read, deleted or written: only
    // an absent or empty directory or this run (--resume / --overwrite) is written,
    // and by one process at a time (the lock is held until we return).
    auto dp = params.data_parallel ? params.data_parallel : std::make_shared<DataParallel>();
    check_rank_split(params.ppo, dp->world_size());
    std::optional<util::FileLock> lock;
    if (dp->is_main())
        lock.emplace(claim_run_dir(params.out_dir, params.resume, params.overwrite, params.run_lock && params.run_lock->held()));
    Run run(params, [&, main = dp->is_main()](const std::string & s) {
                if (log && !params.quiet && main) log(s);
            }, dp);
    run.out = params.out_dir;
    run.query_cache.resize(params.train.size());

    start_or_resume(run);
    load_models(run);
    restore_progress(run);
    evaluate_before(run);
    dp->main_rank_done("evaluated-before");  // the other ranks wait for it, however long it takes

    DataOrder order(params.train.size(), run.cfg.seed);
    StepLog sl;
    if (run.main()) {
        sl.stats.open(run.out / "stats.jsonl", std::ios::app);
        sl.samples.open(run.out / "samples.jsonl", std::ios::app);
    }
    if (!params.quiet && run.main()) sl.bar = std::make_unique<util::ProgressBar>("PPO", static_cast<uint64_t>(run.cfg.steps), "steps");
    if (sl.bar) sl.bar->update(static_cast<uint64_t>(run.cursor.step));

    for (int64_t step = run.cursor.step; step < run.cfg.steps; ++step) {
        const auto t_step = util::Clock::now();
        const Batch batch = next_batch(run, order);
        Scored s = roll_out(run, batch, step);
        score(run, batch, s);
        std::optional<Stats> stats = ppo_step(run, batch, s, step);
        if (!stats) break;
        auto samples = gather_samples(run, batch, s);
        add_run_stats(*stats, samples, s, seconds_since(t_step));
        log_step(run, sl, step, *stats, std::move(samples));
        checkpoint_if_due(run, step);
        if (params.on_step && run.main()) params.on_step(step, *stats);
    }
    if (sl.bar) sl.bar->finish();
    sl.stats.close();
    sl.samples.close();
    if (!run.main()) return std::move(run.result);  // rank 0 plots, evaluates and exports

    const fs::path stats_path = run.out / "stats.jsonl";
    if (params.plots && fs::exists(stats_path) && fs::file_size(stats_path) > 0)
        write_training_plots(stats_path, run.out / "training.svg");
    if (run.result.stopped_non_finite) {
        run.log(run.result.stop_message);
        return std::move(run.result);
    }
    evaluate_after_and_export(run);
    return std::move(run.result);
}

}  // namespace ragppo::rl
