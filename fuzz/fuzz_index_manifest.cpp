// An index's manifest.json (index/manifest): types, ranges, file names that must not
// leave the index directory.
#include "fuzz_support.h"
#include "index/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    ragppo::fuzz::ScratchDir::write(ragppo::index::kManifestFile, ragppo::fuzz::as_view(data, size));
    ragppo::fuzz::expect_only_ragppo_errors([&] {
        const auto sm = ragppo::index::read_manifest(ragppo::fuzz::ScratchDir::path());
        if (sm.m.info.dim <= 0) __builtin_trap();  // read_manifest promises a usable dimension
    });
    return 0;
}
