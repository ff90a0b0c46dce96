#include "rl/ppo_inputs.h"

#include "data/dataset_files.h"
#include "ragppo/data.h"
#include "rl/checkpoint_files.h"
#include "rl/ppo_checkpoint.h"

#include <cstdio>

namespace ragppo::rl {

namespace fs = std::filesystem;

fs::path resolve_policy_dir(const std::string & model, const HubParams & hub) {
    if (fs::is_directory(model)) return model;
    if (fs::exists(model)) throw Error("the model must be a checkpoint directory (config.json + weights): " + model);
    return hub_snapshot(model,
                        {"config.json", "generation_config.json", "*.safetensors", "*.safetensors.index.json",
                         "pytorch_model.bin", "tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt",
                         "special_tokens_map.json", "added_tokens.json"},
                        RepoType::Model, hub);
}

SummaryLoad load_summary_source(const SummarySource & source) {
    const auto files = data::resolve_dataset_files(source.dataset, source.config, source.split, source.hub);
    SummaryLoad out{load_summary_data(files, source.columns), 0};
    out.usable = out.data.examples.size();
    if (source.limit > 0 && out.data.examples.size() > source.limit) out.data.examples.resize(source.limit);
    return out;
}

void report_summary_load(const SummaryLoad & load) {
    const auto & data = load.data;
    std::fprintf(stderr, "read %zu rows, %zu usable, %zu skipped\n", data.rows_read, load.usable, data.skipped.size());
    for (size_t i = 0; i < data.skipped.size() && i < 5; ++i) std::fprintf(stderr, "  skipped %s\n", data.skipped[i].c_str());
    for (size_t i = 0; i < data.cut.size() && i < 5; ++i) std::fprintf(stderr, "  warning: %s\n", data.cut[i].c_str());
    if (data.cut.size() > 5) {
        std::fprintf(stderr, "  warning: %zu more rows with a field cut to %zu bytes\n", data.cut.size() - 5,
                     kDefaultMaxFieldBytes);
    }
}

nlohmann::json run_settings(const std::string & model, const SummarySource & source, size_t held,
                            size_t eval_samples_requested, int64_t save_every, int keep_checkpoints) {
    return {{"model", model},
            {"dataset", source.dataset},
            {"config", source.config},
            {"split", source.split},
            {"limit", source.limit},
            {"eval_samples", held},
            {"eval_samples_requested", eval_samples_requested},
            {"save_every", save_every},
            {"keep_checkpoints", keep_checkpoints},
            {"article_column", source.columns.article},
            {"summary_column", source.columns.summary},
            {"id_column", source.columns.id}};
}

nlohmann::json saved_run(const fs::path & out_dir) {
    const auto ckpt = latest_checkpoint(out_dir / "checkpoints");
    if (!ckpt) throw Error("--resume: no checkpoint in " + (out_dir / "checkpoints").string());
    const auto state = read_checkpoint_state(*ckpt);
    if (!state.contains("run") || !state.at("run").is_object()) throw Error("checkpoint " + ckpt->string() + " lacks its run settings");
    return state.at("run");
}

std::string setting_name(const std::map<std::string, std::string> & names, const std::string & key) {
    const auto it = names.find(key);
    return it == names.end() ? key : it->second;
}

void check_batch_sizes(const PpoConfig & cfg, const std::map<std::string, std::string> & names) {
    if (cfg.mini_batch_size < 1 || cfg.batch_size % cfg.mini_batch_size != 0) {
        throw Error(setting_name(names, "batch_size") + " " + std::to_string(cfg.batch_size) + " must be a multiple of " +
                    setting_name(names, "mini_batch_size") + " " + std::to_string(cfg.mini_batch_size));
    }
}

}  // namespace ragppo::rl
