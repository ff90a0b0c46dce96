// A GPT-2 config.json (rl/gpt2_config): types and ranges of every field we use.
#include "fuzz_support.h"
#include "rl/gpt2_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    ragppo::fuzz::expect_only_ragppo_errors(
        [&] { (void)ragppo::rl::parse_gpt2_config(std::string(ragppo::fuzz::as_view(data, size))); });
    return 0;
}
