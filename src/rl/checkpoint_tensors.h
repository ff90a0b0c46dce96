// Reading the named tensors of a Hugging Face checkpoint, whatever file format
// it was saved in. Tensors come back on the CPU in the file's own dtype; the
// model loader converts and places them.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <string>

namespace ragppo::rl {

using TensorMap = std::map<std::string, torch::Tensor>;

// One .safetensors file: 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets}}, then the raw little-endian tensor bytes.
TensorMap read_safetensors(const std::filesystem::path & path);

// A pytorch_model.bin written by torch.save (the zip format, torch >= 1.6),
// read by libtorch's own unpickler (torch::pickle_load).
TensorMap read_torch_bin(const std::filesystem::path & path);

// The weights of a model directory: model.safetensors, a sharded
// model.safetensors.index.json, or else pytorch_model.bin.
// Throws ragppo::Error when none is there or a file is unreadable.
TensorMap read_checkpoint_tensors(const std::filesystem::path & dir);

}  // namespace ragppo::rl
