// Writing named tensors as one .safetensors file, the format read_safetensors
// (checkpoint_tensors.h) reads and Hugging Face's safetensors library writes.
#pragma once

#include "rl/checkpoint_tensors.h"

#include <filesystem>
#include <map>
#include <string>

namespace ragppo::rl {

// Writes `tensors` (any device, dtype F32/F16/BF16/F64/I64/I32/I16/I8/U8/BOOL,
// any strides) and the string `metadata` (the header's "__metadata__", e.g.
// {"format": "pt"} as transformers writes) to `path`: a temp file beside it,
// fsynced, then renamed over it. Tensors are laid out as the safetensors library
// lays them out (larger dtypes first, then by name), so every tensor starts
// aligned to its element size. Throws ragppo::Error, one line, naming the path
// or the tensor at fault.
void write_safetensors(const std::filesystem::path & path, const TensorMap & tensors,
                       const std::map<std::string, std::string> & metadata = {});

}  // namespace ragppo::rl
