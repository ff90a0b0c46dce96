// LoRA adapters in PEFT's directory format, which peft.PeftModel.from_pretrained
// loads onto the base GPT-2 (and TRL's AutoModelForCausalLMWithValueHead with it):
//   adapter_config.json        peft_type LORA, r, lora_alpha, lora_dropout,
//                              target_modules, fan_in_fan_out (GPT-2's Conv1D),
//                              base_model_name_or_path
//   adapter_model.safetensors  base_model.model.transformer.h.<i>.<attn|mlp>.<proj>.lora_A.weight [r, in]
//                              and .lora_B.weight [out, r]
//   value_head.safetensors     ours: v_head.summary.weight / bias (TRL pickles them
//                              into a pytorch_model.bin beside the adapter)
//   the base model's tokenizer files, so the directory is enough to summarise with.
#pragma once

#include "rl/checkpoint_tensors.h"
#include "rl/gpt2_load.h"
#include "rl/gpt2_model.h"
#include "rl/ppo_config.h"

#include <filesystem>
#include <functional>
#include <string>

namespace ragppo::rl {

// True when `dir` holds an adapter_config.json.
bool is_peft_adapter_dir(const std::filesystem::path & dir);

struct PeftAdapterConfig {
    LoraConfig lora;
    std::string base_model;  // base_model_name_or_path: a Hub id or a local directory
};

// Reads dir/adapter_config.json. Throws ragppo::Error, one line, for what we do
// not implement: another peft_type, rsLoRA, DoRA, trained biases, layer subsets,
// modules_to_save, or a regex target_modules.
PeftAdapterConfig read_peft_adapter_config(const std::filesystem::path & dir);

// The adapter's base_model_name_or_path; throws ragppo::Error, one line, when it names none.
std::string peft_base_model(const std::filesystem::path & dir);

// The adapters' tensors under PEFT's saved names (no adapter name inside).
TensorMap peft_state_dict(Gpt2PolicyImpl & policy);

// Attaches the adapter in `dir` to `policy` (a GPT-2 without adapters): apply_lora
// with its config, then its A and B weights (and the value head, when the
// directory has one). Throws ragppo::Error, one line, when a tensor is missing,
// unexpected, of the wrong shape, or not finite.
void load_peft_adapter(Gpt2PolicyImpl & policy, const std::filesystem::path & dir);

// Writes the policy's adapters and value head as above, atomically as export_hf
// (hf_export.h) does, with the tokenizer files of `source_dir`.
void export_peft_adapter(Gpt2PolicyImpl & policy, const LoraConfig & config, const std::string & base_model,
                         const std::filesystem::path & source_dir, const std::filesystem::path & out_dir);

// A GPT-2 checkpoint directory as load_gpt2_policy reads it, or an adapter
// directory: its base (named by base_model_name_or_path, found by
// `resolve_base`) with the adapter attached. `tokenizer_dir` is where the
// tokenizer files are: the directory itself when it has them, else the base's.
struct LoadedPolicy {
    Gpt2Policy policy{nullptr};
    std::filesystem::path tokenizer_dir;
};
LoadedPolicy load_policy_or_adapter(const std::filesystem::path & dir, const Gpt2LoadOptions & options,
                                    const std::function<std::filesystem::path(const std::string &)> & resolve_base);

}  // namespace ragppo::rl
