// The safetensors format (huggingface/safetensors, docs "Format"): a u64
// little-endian header size N, N bytes of JSON, then one byte buffer that the
// header's data_offsets index into (begin, end), relative to its start.
#include "rl/checkpoint_tensors.h"

#include "ragppo.h"

#include <nlohmann/json.hpp>

#include <bit>
#include <fstream>

namespace ragppo::rl {

namespace {

// The tensors are stored little-endian; we read them straight into memory.
static_assert(std::endian::native == std::endian::little, "safetensors reader assumes a little-endian host");

torch::Dtype dtype_of(const std::string & name, const std::string & where) {
    if (name == "F32") return torch::kFloat32;
    if (name == "F16") return torch::kFloat16;
    if (name == "BF16") return torch::kBFloat16;
    if (name == "F64") return torch::kFloat64;
    if (name == "I64") return torch::kInt64;
    if (name == "I32") return torch::kInt32;
    if (name == "I16") return torch::kInt16;
    if (name == "I8") return torch::kInt8;
    if (name == "U8") return torch::kUInt8;
    if (name == "BOOL") return torch::kBool;
    throw Error(where + ": tensor dtype " + name + " is not supported");
}

}  // namespace

TensorMap read_safetensors(const std::filesystem::path & path) {
    const std::string where = path.string();
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open " + where);
    std::error_code ec;
    const uint64_t file_size = std::filesystem::file_size(path, ec);
    if (ec) throw Error("cannot read the size of " + where + ": " + ec.message());

    uint64_t header_size = 0;
    if (file_size < 8 || !in.read(reinterpret_cast<char *>(&header_size), 8))
        throw Error(where + ": too short to be a safetensors file");
    if (header_size > file_size - 8)
        throw Error(where + ": not a safetensors file (header size " + std::to_string(header_size) +
                    " runs past the end of the file)");
    std::string header(header_size, '\0');
    in.read(header.data(), static_cast<std::streamsize>(header_size));

    nlohmann::json j;
    try {
        j = nlohmann::json::parse(header);
    } catch (const nlohmann::json::exception &) {
        throw Error(where + ": not a safetensors file (its header is not JSON)");
    }
    if (!j.is_object()) throw Error(where + ": not a safetensors file (its header is not a JSON object)");

    const uint64_t data_start = 8 + header_size;
    TensorMap tensors;
    for (const auto & [name, info] : j.items()) {
        if (name == "__metadata__") continue;
        try {
            const auto dtype = dtype_of(info.at("dtype").get<std::string>(), where);
            const auto shape = info.at("shape").get<std::vector<int64_t>>();
            const auto offsets = info.at("data_offsets").get<std::vector<uint64_t>>();
            auto tensor = torch::empty(shape, torch::TensorOptions().dtype(dtype));
            const uint64_t nbytes = tensor.numel() * tensor.element_size();
            if (offsets.size() != 2 || offsets[1] < offsets[0] || offsets[1] - offsets[0] != nbytes ||
                data_start + offsets[1] > file_size)
                throw Error(where + ": tensor '" + name + "' has data offsets that do not match its shape");
            in.seekg(static_cast<std::streamoff>(data_start + offsets[0]));
            if (nbytes > 0 && !in.read(static_cast<char *>(tensor.data_ptr()), static_cast<std::streamsize>(nbytes)))
                throw Error(where + ": read failed for tensor '" + name + "'");
            tensors.emplace(name, std::move(tensor));
        } catch (const nlohmann::json::exception &) {
            throw Error(where + ": tensor '" + name + "' has a malformed header entry");
        }
    }
    return tensors;
}

}  // namespace ragppo::rl
