// Our parameters already carry GPT2LMHeadModel's names (gpt2_model.h); the
// export undoes the loader's one translation (HF's Conv1D stores [in, out]) and
// leaves out what save_pretrained leaves out (a tied lm_head.weight: safetensors
// cannot hold two names for one storage, and transformers re-ties on load).
#include "rl/hf_export.h"

#include "ragppo.h"
#include "rl/gpt2_load.h"
#include "rl/lora.h"
#include "rl/safetensors_writer.h"
#include "util/atomic_write.h"
#include "util/json_file.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace ragppo::rl {

namespace {

// transformers' name for a torch dtype in config.json.
std::string hf_dtype_name(torch::Dtype dtype) {
    switch (dtype) {
        case torch::kFloat16: return "float16";
        case torch::kBFloat16: return "bfloat16";
        case torch::kFloat64: return "float64";
        default: return "float32";
    }
}

// An existing target must look like something an export may replace.
void check_replaceable(const fs::path & out_dir) {
    std::error_code ec;
    if (!fs::exists(out_dir, ec)) return;
    if (!fs::is_directory(out_dir, ec)) throw Error(out_dir.string() + " exists and is not a directory");
    if (!fs::exists(out_dir / "config.json", ec) && !fs::exists(out_dir / "adapter_config.json", ec) &&
        !fs::is_empty(out_dir, ec))
        throw Error(out_dir.string() +
                    " exists and is not a model directory (no config.json or adapter_config.json): not replacing it");
}

}  // namespace

void write_synced_text(const fs::path & path, const std::string & text) {
    util::SyncedFile out(path);
    out.write(text.data(), text.size());
    out.close();
}

void write_export_dir(const fs::path & out_dir, const fs::path & source_dir,
                      const std::function<void(const fs::path & tmp)> & write_files) {
    check_replaceable(out_dir);
    util::write_dir_atomically(out_dir, [&](const fs::path & tmp) {
        write_files(tmp);
        for (const auto & name : hf_copied_files()) {
            const fs::path from = source_dir / name;
            std::error_code ec;
            if (!fs::is_regular_file(from, ec)) continue;
            if (!fs::copy_file(from, tmp / name, ec))
                throw Error("cannot copy " + from.string() + " to " + (tmp / name).string() + ": " + ec.message());
            util::fsync_path(tmp / name);
            util::write_hook("file:" + name);
        }
    });
}

const std::vector<std::string> & hf_copied_files() {
    static const std::vector<std::string> files = {
        "tokenizer.json",     "vocab.json",           "merges.txt",      "tokenizer_config.json",
        "special_tokens_map.json", "added_tokens.json", "chat_template.jinja", "generation_config.json",
    };
    return files;
}

TensorMap hf_state_dict(Gpt2PolicyImpl & policy) {
    torch::NoGradGuard no_grad;
    TensorMap state;
    for (const auto & p : policy.named_parameters()) {
        const std::string & name = p.key();
        if (name.find(".lora_") != std::string::npos) continue;  // folded into the weights below
        auto tensor = p.value().detach();
        state.emplace(name, is_conv1d_weight(name) ? tensor.t() : tensor);
    }
    // LoRA adapters merged into their projections: what PEFT's merge_and_unload() saves.
    for (const auto & site : lora_sites(policy))
        if (*site.adapter) state[site.name + ".weight"] = merged_weight(site).t();
    // A tied head has no lm_head module here, so there is nothing to leave out;
    // an untied one is its own parameter and is saved, as save_pretrained does.
    return state;
}

std::string hf_config_json(const Gpt2PolicyImpl & policy, const fs::path & source_dir) {
    const fs::path source_config = source_dir / "config.json";
    nlohmann::json j = fs::exists(source_config) ? util::read_json_object(source_config) : nlohmann::json::object();
    const Gpt2Config & c = policy.config();
    j["model_type"] = "gpt2";
    j["architectures"] = {"GPT2LMHeadModel"};
    j["vocab_size"] = c.vocab_size;
    j["n_positions"] = c.n_positions;
    j["n_embd"] = c.n_embd;
    j["n_layer"] = c.n_layer;
    j["n_head"] = c.n_head;
    j["n_inner"] = c.n_inner > 0 ? nlohmann::json(c.n_inner) : nlohmann::json(nullptr);
    j["layer_norm_epsilon"] = c.layer_norm_epsilon;
    j["activation_function"] = c.activation_function;
    j["embd_pdrop"] = c.embd_pdrop;
    j["attn_pdrop"] = c.attn_pdrop;
    j["resid_pdrop"] = c.resid_pdrop;
    j["scale_attn_weights"] = c.scale_attn_weights;
    j["scale_attn_by_inverse_layer_idx"] = c.scale_attn_by_inverse_layer_idx;
    j["tie_word_embeddings"] = c.tie_word_embeddings;
    // TRL reads it when present; GPT2Config has none and TRL then uses 0.1.
    if (j.contains("summary_dropout_prob") || c.summary_dropout_prob != 0.1)
        j["summary_dropout_prob"] = c.summary_dropout_prob;
    // transformers >= 4.56 writes "dtype", older versions "torch_dtype": update the one the source has.
    const std::string dtype = hf_dtype_name(policy.transformer->wte->weight.scalar_type());
    if (j.contains("dtype")) j["dtype"] = dtype;
    if (j.contains("torch_dtype") || !j.contains("dtype")) j["torch_dtype"] = dtype;
    return j.dump(2) + "\n";
}

void export_hf(Gpt2PolicyImpl & policy, const fs::path & source_dir, const fs::path & out_dir) {
    // Everything read from the source comes before the swap, so exporting over
    // the source directory itself is safe too.
    const std::string config = hf_config_json(policy, source_dir);
    const TensorMap state = hf_state_dict(policy);
    write_export_dir(out_dir, source_dir, [&](const fs::path & tmp) {
        write_synced_text(tmp / "config.json", config);
        util::write_hook("file:config.json");
        write_safetensors(tmp / "model.safetensors", state, {{"format", "pt"}});
        util::write_hook("file:model.safetensors");
    });
}

}  // namespace ragppo::rl
