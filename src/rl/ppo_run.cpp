#include "rl/ppo_run.h"

#include "metrics/rouge.h"
#include "rl/gpt2_load.h"
#include "rl/hf_export.h"
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

}  // namespace

PpoRunResult run_ppo(const PpoRunParams & params, const std::function<void(const std::string &)> & log_in) {
    const auto log = [&](const std::string & s) {
        if (log_in && !params.quiet) log_in(s);
    };
    if (params.train.empty()) throw Error("PPO: no training articles");
    if (params.out_dir.empty()) throw Error("PPO: no run directory");
    const fs::path out = params.out_dir;
    const fs::path ckpt_root = out / "checkpoints";
    PpoRunResult result;
    // Ownership and the write lock before anything is read, deleted or written: only
    // an absent or empty directory or this run (--resume / --overwrite) is written,
    // and by one process at a time (the lock is held until we return).
    const util::FileLock lock =
        claim_run_dir(out, params.resume, params.overwrite, params.run_lock && params.run_lock->held());

    // Settings: a resumed run reuses the ones it started with (only the number of steps may grow).
    PpoConfig cfg = params.ppo;
    std::optional<fs::path> resume_from;
    if (params.resume) {
        resume_from = latest_checkpoint(ckpt_root);
        if (!resume_from) throw Error("--resume: no checkpoint in " + ckpt_root.string());
        const auto state = read_checkpoint_state(*resume_from);
        cfg = ppo_config_from_json(state.at("run").at("ppo"));
        cfg.steps = params.ppo.steps;
    }
    const nlohmann::json run_settings = {{"ppo", ppo_config_to_json(cfg)},
                                         {"model_dir", params.model_dir.string()},
                                         {"train_examples", params.train.size()},
                                         {"eval_examples", params.eval.size()},
                                         {"cli", params.settings}};
    if (!params.resume) util::write_file_atomic((out / "config.json").string(), run_settings.dump(1) + "\n");

    // Models: the policy, its frozen copy as the KL reference, the tokenizer.
    const torch::Device device(params.device);
    torch::manual_seed(cfg.seed);  // a fresh value head is drawn from torch's global RNG
    Gpt2LoadOptions lo;
    lo.device = device;
    lo.zero_new_value_head = cfg.value_head_zero_init;
    auto policy = load_gpt2_policy(params.model_dir, lo);
    const auto tok = load_checkpoint_tokenizer(params.model_dir);
    if (static_cast<int64_t>(tok.vocab_size()) > policy->config().vocab_size)
        throw Error("the tokenizer of " + params.model_dir.string() + " has " + std::to_string(tok.vocab_size()) +
                    " tokens, the model only " + std::to_string(policy->config().vocab_size));
    const int64_t eos = tok.eos_token_id().value_or(50256);
    const int64_t pad = cfg.pad_is_eos ? eos : 0;
    PpoTrainer trainer(policy, frozen_copy(*policy), cfg, pad);
    auto sample_rng = make_cpu_generator(cfg.seed + 1);

    TrainingCursor cursor;
    if (resume_from) {
        cursor = load_checkpoint(*resume_from, trainer, sample_rng, params.verify_checkpoint);
        truncate_log(out / "stats.jsonl", cursor.step);
        truncate_log(out / "samples.jsonl", cursor.step);
        log("resuming from " + resume_from->string() + " (step " + std::to_string(cursor.step) + ")");
    } else {
        std::error_code ec;
        fs::remove(out / "stats.jsonl", ec);
        fs::remove(out / "samples.jsonl", ec);
    }
    result.first_step = cursor.step;
    result.steps_done = cursor.step;

    RolloutParams rp;
    rp.max_new_tokens = cfg.max_new_tokens;
    rp.sampler.top_k = cfg.top_k;
    rp.sampler.top_p = cfg.top_p;
    rp.sampler.temperature = cfg.temperature;
    rp.eos_id = eos;
    rp.pad_id = pad;
    rp.bf16 = cfg.bf16;  // training rollouts only: held-out ROUGE is always measured in fp32

    // Held-out ROUGE with the same decoding and a fixed seed, before and after.
    SummarizeParams ep;
    ep.query_max_tokens = cfg.query_max_tokens;
    ep.rollout = rp;
    ep.batch_size = params.eval_batch_size;
    ep.seed = cfg.seed + 2;
    nlohmann::json eval_record;
    const fs::path eval_path = out / "eval.json";
    if (!params.eval.empty()) {
        if (params.resume && fs::exists(eval_path)) {
            eval_record = nlohmann::json::parse(std::ifstream(eval_path));
            result.eval_before = eval_record.at("before").at("rouge1").get<double>();
        } else {
            log("held-out evaluation before training: " + std::to_string(params.eval.size()) + " articles");
            const auto before = summarize_eval(*policy, tok, params.eval, ep);
            result.eval_before = before.rouge1;
            eval_record["before"] = summarize_eval_json(before);
            util::write_file_atomic(eval_path.string(), eval_record.dump(1) + "\n");
            log("  ROUGE-1 " + util::format_number("%.4f", before.rouge1) + "  ROUGE-2 " + util::format_number("%.4f", before.rouge2) + "  ROUGE-L " +
                util::format_number("%.4f", before.rougeL));
        }
    }

    // Queries are tokenised once per article.
    std::vector<std::vector<int32_t>> query_cache(params.train.size());
    auto query_of = [&](size_t i) -> const std::vector<int32_t> & {
        if (query_cache[i].empty()) {
            auto q = article_query(tok, params.train[i].article, cfg.query_max_tokens);
            if (cfg.pad_queries_to_max && static_cast<int64_t>(q.size()) < cfg.query_max_tokens)
                q.insert(q.begin(), static_cast<size_t>(cfg.query_max_tokens) - q.size(), static_cast<int32_t>(eos));
            query_cache[i] = std::move(q);
        }
        return query_cache[i];
    };

    DataOrder order(params.train.size(), cfg.seed);
    std::ofstream stats_out(out / "stats.jsonl", std::ios::app);
    std::ofstream samples_out(out / "samples.jsonl", std::ios::app);
    std::unique_ptr<util::ProgressBar> bar;
    if (!params.quiet) bar = std::make_unique<util::ProgressBar>("PPO", static_cast<uint64_t>(cfg.steps), "steps");
    if (bar) bar->update(static_cast<uint64_t>(cursor.step));
    std::vector<double> recent;
    std::string last_checkpoint = resume_from ? resume_from->string() : "";

    for (int64_t step = cursor.step; step < cfg.steps; ++step) {
        const auto t_step = util::Clock::now();
        // 1. A batch of articles.
        std::vector<size_t> rows;
        std::vector<std::vector<int32_t>> queries;
        for (int64_t i = 0; i < cfg.batch_size; ++i) {
            rows.push_back(order.at(cursor.data_cursor++));
            queries.push_back(query_of(rows.back()));
        }
        // 2. Rollouts. The reference sampled with dropout on from its second step.
        auto t0 = util::Clock::now();
        rp.dropout = cfg.dropout_in_rollout && step > 0;
        const auto seqs = rollout(*policy, queries, rp, sample_rng);
        const double t_generate = seconds_since(t0);

        // 3. Rewards: ROUGE-1 F1 of each decoded response against its reference.
        t0 = util::Clock::now();
        std::vector<std::vector<int32_t>> responses;
        std::vector<double> scores;
        std::vector<std::string> texts;
        int64_t truncated = 0;
        for (size_t i = 0; i < seqs.size(); ++i) {
            auto resp = seqs[i].response;
            // Reference: pad == EOS, and TRL's generate() strips trailing pad tokens, EOS included.
            if (cfg.pad_is_eos)
                while (resp.size() > 1 && resp.back() == eos) resp.pop_back();
            truncated += seqs[i].truncated ? 1 : 0;
            texts.push_back(response_text(tok, resp));
            const auto & ex = params.train[rows[i]];
            scores.push_back(params.reward ? params.reward(ex, texts.back()) : metrics::rouge1_f1(ex.summary, texts.back()));
            responses.push_back(std::move(resp));
        }
        const double t_reward = seconds_since(t0);

        // 4. The PPO step.
        Stats stats;
        try {
            stats = trainer.step(queries, responses, scores);
        } catch (const NonFiniteLoss & e) {
            result.stopped_non_finite = true;
            result.stop_message = "step " + std::to_string(step + 1) + ": " + e.what() + "; training stopped" +
                                  (last_checkpoint.empty() ? " (no checkpoint was written yet)"
                                                           : ", the last good checkpoint is " + last_checkpoint);
            break;
        }
        const util::MeanStd reward = util::mean_std(scores);
        stats["env/reward_mean"] = reward.mean;
        // A batch of one has no spread: 0 rather than torch's NaN, which JSON cannot hold.
        stats["env/reward_std"] = scores.size() < 2 ? 0.0 : reward.std;
        stats["tokens/responses_truncated_frac"] = static_cast<double>(truncated) / static_cast<double>(seqs.size());
        stats["time/rollout/generate"] = t_generate;
        stats["time/rollout/reward"] = t_reward;
        stats["time/step"] = seconds_since(t_step);

        nlohmann::json line = {{"step", step + 1}};
        for (const auto & [k, v] : stats) line[k] = v;
        stats_out << line.dump() << '\n' << std::flush;
        nlohmann::json sample_line = {{"step", step + 1}, {"samples", nlohmann::json::array()}};
        for (size_t i = 0; i < rows.size(); ++i)
            sample_line["samples"].push_back({{"id", params.train[rows[i]].id}, {"response", texts[i]},
                                              {"reward", scores[i]}, {"truncated", seqs[i].truncated}});
        samples_out << sample_line.dump() << '\n' << std::flush;

        result.step_rewards.push_back(stats["env/reward_mean"]);
        result.steps_done = step + 1;
        recent.push_back(stats["env/reward_mean"]);
        if (bar) {
            bar->set_status("reward " + util::format_number("%.3f", util::mean_std(recent).mean) + "  kl " + util::format_number("%.3f", stats["objective/kl"]));
            bar->update(static_cast<uint64_t>(step + 1));
        }
        if (params.log_every > 0 && (step + 1) % params.log_every == 0) {
            if (bar) std::fputc('\n', stderr);
            log("step " + std::to_string(step + 1) + "/" + std::to_string(cfg.steps) + ": mean reward " +
                util::format_number("%.4f", util::mean_std(recent).mean) + " (last " + std::to_string(recent.size()) + " steps), kl " +
                util::format_number("%.4f", stats["objective/kl"]) + ", kl_coef " + util::format_number("%.4f", stats["objective/kl_coef"]) + ", " +
                util::format_number("%.1f", stats["time/step"]) + " s/step");
            recent.clear();
        }

        // 5. Checkpoint.
        const bool last = step + 1 == cfg.steps;
        if (last || (params.save_every > 0 && (step + 1) % params.save_every == 0)) {
            cursor.step = step + 1;
            last_checkpoint = save_checkpoint(ckpt_root, trainer, sample_rng, cursor, run_settings,
                                              params.keep_checkpoints).string();
        }
    }
    if (bar) bar->finish();
    stats_out.close();
    samples_out.close();

    if (params.plots && fs::exists(out / "stats.jsonl") && fs::file_size(out / "stats.jsonl") > 0)
        write_training_plots(out / "stats.jsonl", out / "training.svg");
    if (result.stopped_non_finite) {
        log(result.stop_message);
        return result;
    }

    if (!params.eval.empty()) {
        log("held-out evaluation after training");
        const auto after = summarize_eval(*policy, tok, params.eval, ep);
        result.eval_after = after.rouge1;
        eval_record["after"] = summarize_eval_json(after);
        eval_record["steps"] = result.steps_done;
        util::write_file_atomic(eval_path.string(), eval_record.dump(1) + "\n");
        log("  ROUGE-1 " + util::format_number("%.4f", after.rouge1) + " (before " + util::format_number("%.4f", result.eval_before) + ")  ROUGE-2 " +
            util::format_number("%.4f", after.rouge2) + "  ROUGE-L " + util::format_number("%.4f", after.rougeL));
    }
    if (params.export_model) {
        export_hf(*policy, params.model_dir, out / "model");
        log("trained policy written to " + (out / "model").string() + " (Hugging Face layout)");
    }
    return result;
}

}  // namespace ragppo::rl
