// include/ragppo/rl.h: one PPO run (or one rank of a data-parallel run), with every
// check `ragppo ppo` makes before anything is written, and summarize-eval. The CLI and
// the Python bindings are front ends of these two calls.
#include "ragppo/rl.h"

#include "rl/data_parallel.h"
#include "rl/gpt2_config.h"
#include "rl/gpt2_load.h"
#include "rl/lora.h"
#include "rl/lora_peft.h"
#include "rl/mixed_precision.h"
#include "rl/ppo_config_json.h"
#include "rl/ppo_inputs.h"
#include "rl/ppo_memory.h"
#include "rl/ppo_run.h"
#include "rl/ppo_trainer.h"
#include "rl/run_dir.h"
#include "rl/summarize.h"
#include "util/available_memory.h"

#include <torch/torch.h>

#include <sched.h>

#include <cstdio>
#include <thread>
#include <type_traits>

namespace ragppo {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string name_of(const PpoParams & p, const std::string & key) { return rl::setting_name(p.setting_names, key); }

// Where the articles come from: the same fields in both faces' parameter structs.
template <class Params>
rl::SummarySource source_of(const Params & p, const std::string & dataset, const std::string & config,
                            const std::string & split) {
    rl::SummarySource s;
    s.dataset = dataset;
    s.config = config;
    s.split = split;
    s.columns = {p.article_column, p.summary_column, p.id_column};
    s.limit = p.limit;
    s.hub = p.hub;
    return s;
}

rl::SummarySource source_of(const PpoParams & p) {
    return source_of(p, p.ppo.dataset, p.ppo.dataset_config, p.ppo.dataset_split);
}

// A chosen setting that says otherwise than the resumed run is refused, naming it: the
// run would silently become another one.
void check_chosen_agree(const PpoParams & given, const json & run) {
    const json given_ppo = rl::ppo_config_to_json(given.ppo);
    const json given_cli = rl::run_settings(given.ppo.policy_model, source_of(given), 0, given.eval_samples,
                                            given.save_every, given.keep_checkpoints);
    const json saved_ppo = run.value("ppo", json::object());
    const json saved_cli = run.value("cli", json::object());
    for (const std::string & key : given.chosen) {
        if (key == "steps") continue;  // may grow
        const bool in_ppo = given_ppo.contains(key) && saved_ppo.contains(key);
        const bool in_cli = given_cli.contains(key) && saved_cli.contains(key);
        if (!in_ppo && !in_cli) continue;  // not a setting the run saved (or saved before it was recorded)
        const json & mine = in_ppo ? given_ppo.at(key) : given_cli.at(key);
        const json & theirs = in_ppo ? saved_ppo.at(key) : saved_cli.at(key);
        if (mine == theirs) continue;
        const std::string name = name_of(given, key);
        throw Error(name + " contradicts the resumed run (" + key + " " + mine.dump() + ", the run has " + theirs.dump() +
                    "): drop " + name + ", or start a new run (another run directory, or overwrite it)");
    }
}

// A resumed run is the run it was: its model, data, held-out set, checkpointing and PPO
// settings come from its latest checkpoint. Only `steps` may grow.
PpoParams resumed(const PpoParams & given) {
    PpoParams p = given;
    const json run = rl::saved_run(p.out_dir);
    check_chosen_agree(given, run);
    if (run.contains("ppo")) {
        p.ppo = rl::ppo_config_from_json(run.at("ppo"));
        const bool steps_given = given.chosen.count("steps") > 0 || given.ppo.steps != PpoConfig{}.steps;
        if (steps_given) p.ppo.steps = given.ppo.steps;
    }
    const json cli = run.value("cli", json::object());
    const auto take = [&](const char * key, auto & field) {
        if (cli.contains(key)) field = cli.at(key).get<std::decay_t<decltype(field)>>();
    };
    take("model", p.ppo.policy_model);
    take("dataset", p.ppo.dataset);
    take("config", p.ppo.dataset_config);
    take("split", p.ppo.dataset_split);
    take("limit", p.limit);
    take("article_column", p.article_column);
    take("summary_column", p.summary_column);
    take("id_column", p.id_column);
    take(cli.contains("eval_samples_requested") ? "eval_samples_requested" : "eval_samples", p.eval_samples);
    take("save_every", p.save_every);
    take("keep_checkpoints", p.keep_checkpoints);
    return p;
}

// LoRA settings need a LoRA rank; the merge needs the export it shapes.
void check_lora_settings(const PpoParams & p) {
    if (!p.ppo.lora.enabled()) {
        for (const char * key : {"lora_alpha", "lora_dropout", "lora_target_modules", "merge_lora"}) {
            if (p.chosen.count(key) == 0 && !(std::string(key) == "merge_lora" && p.merge_lora)) continue;
            throw Error(name_of(p, key) + " applies to LoRA adapters: add " + name_of(p, "lora_r") + " R" +
                        (p.resume ? " (the resumed run trains every weight)" : ""));
        }
    }
    if (p.merge_lora && !p.export_model)
        throw Error(name_of(p, "merge_lora") + " shapes the export, which " + name_of(p, "export_model") + " turns off");
}

// The cores this process may run on (its affinity mask, which containers and taskset
// narrow), shared among the ranks on this machine, at least 1 each.
int threads_per_rank(int local_ranks) {
    cpu_set_t cpus;
    const int cores = sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? CPU_COUNT(&cpus)
                                                                     : static_cast<int>(std::thread::hardware_concurrency());
    return std::max(1, cores / local_ranks);
}

// Free memory on the host; on a GPU the weights and activations live in device memory,
// which this does not measure, and the fixed caps of the settings are the only limit.
std::optional<uint64_t> host_memory_for(const std::string & device) {
    if (device != "cpu") return std::nullopt;
    return available_memory_bytes();
}

void print_line(const std::string & line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
}

}  // namespace

std::optional<KlEstimator> kl_estimator_from_name(const std::string & name) { return rl::parse_kl_estimator(name); }

PpoResult ppo_run(const PpoParams & given, const std::function<void(const PpoStep &)> & on_step) {
    const PpoRanks & ranks = given.ranks;
    const bool main_rank = ranks.rank == 0;
    rl::PpoRunParams run;
    if (main_rank) {
        // Whose directory is it: refused before any model or data is read; an existing
        // one is locked now, so a second writer fails before any loading.
        rl::check_run_dir(given.out_dir, given.resume, given.overwrite);
        if (fs::is_directory(given.out_dir)) run.run_lock = std::make_shared<util::FileLock>(rl::lock_run_dir(given.out_dir));
    }
    const PpoParams p = given.resume ? resumed(given) : given;
    run.ppo = p.ppo;
    const auto & cfg = run.ppo;
    rl::check_batch_sizes(cfg, p.setting_names);
    rl::check_rank_split(cfg, ranks.world_size, p.setting_names);
    check_lora_settings(p);
    const int threads = p.n_threads > 0 || ranks.world_size == 1 ? p.n_threads : threads_per_rank(ranks.local_world_size);
    if (threads > 0) torch::set_num_threads(threads);
    // One GPU per local rank, as torchrun's users expect: plain "cuda" becomes cuda:LOCAL_RANK.
    run.device = ranks.world_size > 1 && p.device == "cuda" ? "cuda:" + std::to_string(ranks.local_rank) : p.device;
    const bool talk = !p.quiet && main_rank;
    if (talk && cfg.bf16 && run.device == "cpu" && !rl::cpu_has_native_bf16())
        std::fprintf(stderr, "warning: bf16: this CPU has neither AVX512_BF16 nor AMX-BF16, so bfloat16 is converted in "
                             "software and likely slower than fp32\n");

    // A model of another architecture or without a tokenizer, or a batch that cannot fit
    // in memory, is refused before any data work.
    run.model_dir = rl::resolve_policy_dir(cfg.policy_model, p.hub);
    const rl::Gpt2Config model_config = rl::read_gpt2_config(run.model_dir);
    if (cfg.lora.enabled()) rl::check_lora_config(cfg.lora, model_config.n_layer);
    if (const auto available = host_memory_for(run.device)) {
        // Per rank: its share of each batch, and of this machine's memory with the other local ranks.
        rl::check_ppo_memory(model_config, cfg, *available / static_cast<uint64_t>(ranks.local_world_size), ranks.world_size);
    }
    (void)rl::load_checkpoint_tokenizer(run.model_dir);

    const rl::SummarySource source = source_of(p);
    rl::SummaryLoad load = rl::load_summary_source(source);
    if (talk) rl::report_summary_load(load);
    rl::HeldOutSplit split = rl::hold_out_last(std::move(load.data.examples), p.eval_samples);
    PpoResult result;
    result.train_articles = split.train.size();
    result.eval_articles = split.eval.size();
    run.train = std::move(split.train);
    run.eval = std::move(split.eval);
    // Everything resume restores (resumed()).
    run.settings = rl::run_settings(cfg.policy_model, source, result.eval_articles, p.eval_samples, p.save_every,
                                    p.keep_checkpoints);
    run.out_dir = p.out_dir;
    run.save_every = p.save_every;
    run.keep_checkpoints = p.keep_checkpoints;
    run.log_every = p.log_every;
    run.resume = p.resume;
    run.verify_checkpoint = p.verify_checkpoint;
    run.overwrite = p.overwrite;
    run.export_model = p.export_model;
    run.merge_lora = p.merge_lora;
    // The base an exported adapter names: the Hub id as given, or the local directory made absolute.
    run.base_model = fs::is_directory(cfg.policy_model) ? fs::absolute(cfg.policy_model).string() : cfg.policy_model;
    run.plots = p.plots;
    run.quiet = p.quiet;
    if (talk) {
        std::fprintf(stderr, "PPO: %zu training articles, %zu held out; %lld steps of %lld%s; run directory %s\n",
                     run.train.size(), run.eval.size(), static_cast<long long>(cfg.steps),
                     static_cast<long long>(cfg.batch_size),
                     ranks.world_size > 1 ? (" over " + std::to_string(ranks.world_size) + " ranks").c_str() : "",
                     p.out_dir.c_str());
    }
    if (on_step) {
        run.on_step = [&](int64_t step, const std::map<std::string, double> & stats) {
            on_step(PpoStep{step, cfg.steps, stats});
        };
    }
    if (p.on_inputs_checked) p.on_inputs_checked();
    if (ranks.world_size > 1) run.data_parallel = std::make_shared<rl::DataParallel>(ranks, run.device);

    const rl::PpoRunResult r = rl::run_ppo(run, print_line);
    if (r.stopped_non_finite && main_rank) throw Error(r.stop_message);
    result.steps_done = r.steps_done;
    result.first_step = r.first_step;
    result.eval_before = r.eval_before;
    result.eval_after = r.eval_after;
    result.step_rewards = r.step_rewards;
    return result;
}

SummarizeEvalResult summarize_eval(const SummarizeEvalParams & p, const std::function<void(size_t, size_t)> & progress) {
    if (p.n_threads > 0) torch::set_num_threads(p.n_threads);
    const auto dir = rl::resolve_policy_dir(p.model, p.hub);
    // A PEFT adapter directory (what a LoRA run exports) runs on its base model.
    const auto resolve_base = [&](const std::string & base) { return rl::resolve_policy_dir(base, p.hub); };
    const rl::Gpt2Config model_config =
        rl::read_gpt2_config(rl::is_peft_adapter_dir(dir) ? resolve_base(rl::peft_base_model(dir)) : dir);
    if (const auto available = host_memory_for(p.device))
        rl::check_summarize_memory(model_config, p.batch_size, p.query_max_tokens, p.max_new_tokens, *available);

    rl::SummaryLoad load = rl::load_summary_source(source_of(p, p.dataset, p.dataset_config, p.dataset_split));
    if (!p.quiet) rl::report_summary_load(load);
    const auto & examples = load.data.examples;
    if (p.offset >= examples.size())
        throw Error("--offset " + std::to_string(p.offset) + " is past the " + std::to_string(examples.size()) + " usable rows");
    const size_t end = p.count == 0 ? examples.size() : std::min(examples.size(), p.offset + p.count);
    const std::vector<rl::SummaryExample> slice(examples.begin() + static_cast<std::ptrdiff_t>(p.offset),
                                                examples.begin() + static_cast<std::ptrdiff_t>(end));

    rl::Gpt2LoadOptions lo;
    lo.device = torch::Device(p.device);
    auto loaded = rl::load_policy_or_adapter(dir, lo, resolve_base);
    const auto tok = rl::load_checkpoint_tokenizer(loaded.tokenizer_dir);
    rl::SummarizeParams sp;
    sp.query_max_tokens = p.query_max_tokens;
    sp.rollout.max_new_tokens = p.max_new_tokens;
    sp.rollout.eos_id = tok.eos_token_id().value_or(50256);
    sp.rollout.sampler.greedy = p.greedy;
    sp.batch_size = p.batch_size;
    sp.seed = p.seed;
    sp.use_stemmer = p.stem;
    const auto r = rl::summarize_eval(*loaded.policy, tok, slice, sp, [&](size_t done) {
        if (progress) progress(done, slice.size());
    });
    SummarizeEvalResult out;
    out.first_row = p.offset;
    out.rows = slice.size();
    out.rouge1 = r.rouge1;
    out.rouge2 = r.rouge2;
    out.rougeL = r.rougeL;
    out.seconds = r.seconds;
    json j = rl::summarize_eval_json(r);
    j["model"] = p.model;
    j["offset"] = p.offset;
    j["greedy"] = p.greedy;
    out.json = j.dump(1) + "\n";
    return out;
}

}  // namespace ragppo
