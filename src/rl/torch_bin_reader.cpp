// pytorch_model.bin: a state dict saved by torch.save. Since torch 1.6 that is a
// zip archive (data.pkl + one record per storage) which libtorch's unpickler,
// torch::pickle_load, reads; the older raw-pickle format it cannot, and we say so.
#include "rl/checkpoint_tensors.h"
#include "rl/torch_bin_checks.h"

#include "ragppo.h"

#include <fstream>
#include <iterator>

namespace ragppo::rl {

namespace {

std::string first_line(const std::string & s) { return s.substr(0, s.find('\n')); }

}  // namespace

TensorMap read_torch_bin(const std::filesystem::path & path) {
    const std::string where = path.string();
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open " + where);
    const std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    // "PK": the zip format; anything else is the legacy pickle stream.
    if (bytes.size() < 4 || bytes[0] != 'P' || bytes[1] != 'K')
        throw Error(where + ": not a zip-format torch.save checkpoint (legacy pickle files are not "
                            "supported; re-save it with safetensors)");

    const ZipSpan pkl = check_torch_zip(bytes, where);
    check_pickle(bytes.data() + pkl.offset, pkl.size, where);

    torch::IValue state;
    try {
        state = torch::pickle_load(bytes);
    } catch (const c10::Error & e) {
        throw Error(where + ": libtorch cannot unpickle it (" + first_line(e.what_without_backtrace()) + ")");
    }
    if (!state.isGenericDict()) throw Error(where + ": not a state dict (expected a dict of tensors)");

    TensorMap tensors;
    for (const auto & item : state.toGenericDict()) {
        if (!item.key().isString() || !item.value().isTensor())
            throw Error(where + ": not a state dict (expected a dict of name -> tensor)");
        tensors.emplace(item.key().toStringRef(), item.value().toTensor());
    }
    return tensors;
}

}  // namespace ragppo::rl
