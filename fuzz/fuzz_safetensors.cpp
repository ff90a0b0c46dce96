// A .safetensors checkpoint (rl/safetensors_reader): header length, JSON header, dtypes,
// shapes and offsets against the file's size.
#include "fuzz_support.h"
#include "rl/checkpoint_tensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    const auto path = ragppo::fuzz::ScratchDir::write("model.safetensors", ragppo::fuzz::as_view(data, size));
    ragppo::fuzz::expect_only_ragppo_errors([&] { (void)ragppo::rl::read_safetensors(path); });
    return 0;
}
