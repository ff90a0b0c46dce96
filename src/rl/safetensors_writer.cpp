// The safetensors layout (huggingface/safetensors, docs "Format"): u64
// little-endian header size N, N bytes of JSON {name: {dtype, shape,
// data_offsets}, "__metadata__": {str: str}}, then the tensors' bytes back to
// back. The reference library pads the header with spaces to a multiple of 8
// and requires the offsets to tile the byte buffer with no gaps; we do both.
#include "rl/safetensors_writer.h"

#include "ragppo.h"
#include "util/atomic_write.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <unistd.h>
#include <vector>

namespace ragppo::rl {

namespace {

static_assert(std::endian::native == std::endian::little, "safetensors writer assumes a little-endian host");

const char * dtype_name(torch::Dtype dtype) {
    switch (dtype) {
        case torch::kFloat32: return "F32";
        case torch::kFloat16: return "F16";
        case torch::kBFloat16: return "BF16";
        case torch::kFloat64: return "F64";
        case torch::kInt64: return "I64";
        case torch::kInt32: return "I32";
        case torch::kInt16: return "I16";
        case torch::kInt8: return "I8";
        case torch::kUInt8: return "U8";
        case torch::kBool: return "BOOL";
        default: return nullptr;
    }
}

struct Entry {
    std::string name;
    torch::Tensor tensor;  // the caller's, possibly on a GPU or strided
    uint64_t nbytes = 0;
};

}  // namespace

void write_safetensors(const std::filesystem::path & path, const TensorMap & tensors,
                       const std::map<std::string, std::string> & metadata) {
    const std::string where = path.string();
    std::vector<Entry> entries;
    for (const auto & [name, tensor] : tensors) {
        if (name == "__metadata__") throw Error(where + ": '__metadata__' is not a valid tensor name");
        if (!tensor.defined()) throw Error(where + ": tensor '" + name + "' is undefined");
        if (!dtype_name(tensor.scalar_type()))
            throw Error(where + ": tensor '" + name + "' has dtype " + std::string(c10::toString(tensor.scalar_type())) +
                        ", which safetensors files here do not hold");
        entries.push_back({name, tensor, static_cast<uint64_t>(tensor.numel()) * tensor.element_size()});
    }
    // The safetensors library's order: larger elements first, so each tensor's
    // offset is a multiple of its element size; then by name.
    std::stable_sort(entries.begin(), entries.end(), [](const Entry & a, const Entry & b) {
        return a.tensor.element_size() > b.tensor.element_size();
    });

    nlohmann::json header = nlohmann::json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    uint64_t offset = 0;
    for (const auto & e : entries) {
        header[e.name] = {{"dtype", dtype_name(e.tensor.scalar_type())},
                          {"shape", e.tensor.sizes().vec()},
                          {"data_offsets", {offset, offset + e.nbytes}}};
        offset += e.nbytes;
    }
    std::string header_text = header.dump();
    header_text.append((8 - header_text.size() % 8) % 8, ' ');
    const uint64_t header_size = header_text.size();

    std::error_code ec;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    const std::filesystem::path tmp = path.string() + ".tmp-" + std::to_string(getpid());
    try {
        util::SyncedFile out(tmp);
        out.write(&header_size, sizeof header_size);
        out.write(header_text.data(), header_text.size());
        for (const auto & e : entries) {
            // One tensor at a time on the CPU, so a GPU model needs no second full copy in host memory.
            const auto bytes = e.tensor.detach().to(torch::kCPU).contiguous();
            if (e.nbytes > 0) out.write(bytes.data_ptr(), e.nbytes);
        }
        out.close();
    } catch (...) {
        std::filesystem::remove(tmp, ec);
        throw;
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::filesystem::remove(tmp, ec);
        throw Error("cannot rename " + tmp.string() + " to " + where);
    }
}

}  // namespace ragppo::rl
