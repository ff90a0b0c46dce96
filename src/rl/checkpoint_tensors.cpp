// Which weight files a Hugging Face model directory holds, in the order
// transformers prefers them: safetensors (single or sharded), then the pickle.
#include "rl/checkpoint_tensors.h"

#include "ragppo.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>

namespace ragppo::rl {

namespace {

// model.safetensors.index.json: {"weight_map": {tensor name: shard file name}}.
TensorMap read_sharded_safetensors(const std::filesystem::path & index_path) {
    std::ifstream in(index_path);
    nlohmann::json index;
    try {
        index = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception &) {
        throw Error(index_path.string() + ": not valid JSON");
    }
    std::set<std::string> shards;
    for (const auto & [name, shard] : index.value("weight_map", nlohmann::json::object()).items())
        shards.insert(shard.get<std::string>());
    if (shards.empty()) throw Error(index_path.string() + ": its weight_map names no shard files");

    TensorMap tensors;
    for (const auto & shard : shards) tensors.merge(read_safetensors(index_path.parent_path() / shard));
    return tensors;
}

}  // namespace

TensorMap read_checkpoint_tensors(const std::filesystem::path & dir) {
    namespace fs = std::filesystem;
    if (fs::exists(dir / "model.safetensors")) return read_safetensors(dir / "model.safetensors");
    if (fs::exists(dir / "model.safetensors.index.json"))
        return read_sharded_safetensors(dir / "model.safetensors.index.json");
    if (fs::exists(dir / "pytorch_model.bin")) return read_torch_bin(dir / "pytorch_model.bin");
    throw Error("no weights in " + dir.string() + " (looked for model.safetensors, "
                "model.safetensors.index.json, pytorch_model.bin)");
}

}  // namespace ragppo::rl
