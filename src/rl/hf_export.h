// Exporting a trained policy as a Hugging Face checkpoint directory that
// transformers (AutoModelForCausalLM / AutoTokenizer.from_pretrained), TRL
// (AutoModelForCausalLMWithValueHead) and our own load_gpt2_policy read.
#pragma once

#include "rl/checkpoint_tensors.h"
#include "rl/gpt2_model.h"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace ragppo::rl {

// The files an export copies from the source checkpoint, those that exist
// there: the tokenizer's (tokenizer.json, vocab.json, merges.txt, ...) and
// generation_config.json.
const std::vector<std::string> & hf_copied_files();

// The policy's parameters under GPT2LMHeadModel's state-dict names and layouts,
// as save_pretrained writes them: Conv1D weights [in, out], no lm_head.weight
// when it is tied to transformer.wte.weight, and the value head as TRL's
// PreTrainedModelWrapper.save_pretrained adds it (v_head.summary.weight/bias).
// LoRA adapters (lora.h) are merged into their projections' weights, as PEFT's
// merge_and_unload() would before save_pretrained.
// Tensors keep their device and dtype; the writer copies them to the CPU.
TensorMap hf_state_dict(Gpt2PolicyImpl & policy);

// The config.json text for the export: `source_dir`/config.json (every field
// kept, e.g. the token ids and task parameters) with the architecture fields
// overwritten by the policy's config, architectures = GPT2LMHeadModel and
// torch_dtype the weights' dtype. Without a source config.json, a GPT-2 config
// of the policy's fields alone.
std::string hf_config_json(const Gpt2PolicyImpl & policy, const std::filesystem::path & source_dir);

// Writes `out_dir`: config.json, model.safetensors (hf_state_dict, metadata
// {"format": "pt"}) and the hf_copied_files() found in `source_dir`. The
// directory is built under a temp name beside `out_dir` and swapped in
// (util/atomic_write.h): a kill at any moment leaves the previous complete
// export or the new one (where the filesystem lacks renameat2's
// RENAME_EXCHANGE, a kill between the fallback's two renames leaves the old one
// at .<name>.old, which the next export_hf or util::recover_dir puts back).
// An existing out_dir is replaced only when it is a
// model directory (has a config.json) or empty, so a mistyped path cannot wipe
// unrelated files. Throws ragppo::Error, one line, on failure; out_dir is then
// untouched.
void export_hf(Gpt2PolicyImpl & policy, const std::filesystem::path & source_dir, const std::filesystem::path & out_dir);

// The directory half of an export, shared with export_peft_adapter (lora_peft.h):
// `write_files(tmp)` writes the export's own files into a temp directory beside
// `out_dir`, the hf_copied_files() of `source_dir` join them, and the directory
// is swapped in as export_hf describes. An existing out_dir must be empty or a
// model or adapter directory (config.json or adapter_config.json).
void write_export_dir(const std::filesystem::path & out_dir, const std::filesystem::path & source_dir,
                      const std::function<void(const std::filesystem::path & tmp)> & write_files);

// `text` to `path`, fsynced (for files inside write_export_dir's temp directory).
void write_synced_text(const std::filesystem::path & path, const std::string & text);

}  // namespace ragppo::rl
