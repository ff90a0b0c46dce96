// A pytorch_model.bin (rl/torch_bin_reader): the zip container, the pickle program and
// the tensor storages it points at.
#include "fuzz_support.h"
#include "rl/checkpoint_tensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    const auto path = ragppo::fuzz::ScratchDir::write("pytorch_model.bin", ragppo::fuzz::as_view(data, size));
    ragppo::fuzz::expect_only_ragppo_errors([&] { (void)ragppo::rl::read_torch_bin(path); });
    return 0;
}
