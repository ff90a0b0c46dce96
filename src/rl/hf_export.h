// Exporting a trained policy as a Hugging Face checkpoint directory that
// transformers (AutoModelForCausalLM / AutoTokenizer.from_pretrained), TRL
// (AutoModelForCausalLMWithValueHead) and our own load_gpt2_policy read.
#pragma once

#include "rl/checkpoint_tensors.h"
#include "rl/gpt2_model.h"

#include <filesystem>
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

}  // namespace ragppo::rl
