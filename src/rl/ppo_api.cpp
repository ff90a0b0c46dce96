// include/ragppo/rl.h: one PPO run for a program (or the Python bindings), with
// the checks `ragppo ppo` makes before anything is written, on one process.
// (The CLI adds what only a command line has: flags that must agree with a resumed
// run, and --nproc / torchrun ranks.)
#include "ragppo/rl.h"

#include "rl/gpt2_config.h"
#include "rl/lora.h"
#include "rl/ppo_inputs.h"
#include "rl/ppo_memory.h"
#include "rl/ppo_run.h"
#include "rl/run_dir.h"
#include "rl/summarize.h"
#include "util/available_memory.h"

#include <torch/torch.h>

#include <cstdio>

namespace ragppo {

namespace fs = std::filesystem;

PpoResult ppo_run(const PpoParams & p, const std::function<void(const PpoStep &)> & on_step) {
    // Whose directory is it: refused before any model or data is read.
    rl::check_run_dir(p.out_dir, p.resume, p.overwrite);
    rl::PpoRunParams run;
    if (fs::is_directory(p.out_dir)) run.run_lock = std::make_shared<util::FileLock>(rl::lock_run_dir(p.out_dir));
    run.ppo = p.ppo;
    const auto & cfg = run.ppo;
    rl::check_batch_sizes(cfg);
    if (p.merge_lora && !cfg.lora.enabled()) throw Error("merge_lora applies to LoRA adapters: set ppo.lora.r");
    if (p.n_threads > 0) torch::set_num_threads(p.n_threads);

    run.model_dir = rl::resolve_policy_dir(cfg.policy_model, p.hub);
    const rl::Gpt2Config model_config = rl::read_gpt2_config(run.model_dir);
    if (cfg.lora.enabled()) rl::check_lora_config(cfg.lora, model_config.n_layer);
    if (const auto available = util::available_memory_bytes(); available && p.device == "cpu")
        rl::check_ppo_memory(model_config, cfg, *available);
    (void)rl::load_checkpoint_tokenizer(run.model_dir);

    rl::SummarySource source;
    source.dataset = cfg.dataset;
    source.config = cfg.dataset_config;
    source.split = cfg.dataset_split;
    source.columns = {p.article_column, p.summary_column, p.id_column};
    source.limit = p.limit;
    source.hub = p.hub;
    rl::HeldOutSplit split = rl::hold_out_last(rl::load_summary_source(source).data.examples, p.eval_samples);
    PpoResult result;
    result.train_articles = split.train.size();
    result.eval_articles = split.eval.size();
    run.train = std::move(split.train);
    run.eval = std::move(split.eval);
    run.settings = rl::run_settings(cfg.policy_model, source, result.eval_articles, p.eval_samples, p.save_every,
                                    p.keep_checkpoints);

    run.out_dir = p.out_dir;
    run.save_every = p.save_every;
    run.keep_checkpoints = p.keep_checkpoints;
    run.resume = p.resume;
    run.overwrite = p.overwrite;
    run.export_model = p.export_model;
    run.merge_lora = p.merge_lora;
    run.base_model = fs::is_directory(cfg.policy_model) ? fs::absolute(cfg.policy_model).string() : cfg.policy_model;
    run.plots = p.plots;
    run.device = p.device;
    run.quiet = p.quiet;
    if (on_step) {
        run.on_step = [&](int64_t step, const std::map<std::string, double> & stats) {
            on_step(PpoStep{step, cfg.steps, stats});
        };
    }
    const rl::PpoRunResult r = rl::run_ppo(run, [](const std::string & line) {
        std::printf("%s\n", line.c_str());
        std::fflush(stdout);
    });
    if (r.stopped_non_finite) throw Error(r.stop_message);
    result.steps_done = r.steps_done;
    result.first_step = r.first_step;
    result.eval_before = r.eval_before;
    result.eval_after = r.eval_after;
    result.step_rewards = r.step_rewards;
    return result;
}

}  // namespace ragppo
