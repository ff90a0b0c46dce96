// An index's nodes.bin (index/node_store): header, offsets table, field bytes; every
// field of every node is then read.
#include "fuzz_support.h"
#include "index/manifest.h"
#include "index/node_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    const auto path = ragppo::fuzz::ScratchDir::write(ragppo::index::kNodesFile, ragppo::fuzz::as_view(data, size));
    ragppo::fuzz::expect_only_ragppo_errors([&] {
        const auto store = ragppo::index::NodeStore::open(path);
        unsigned sum = 0;
        for (size_t i = 0; i < store.size(); ++i) {
            for (int f = 0; f < ragppo::index::kNodeFields; ++f) {
                const auto v = store.field(i, static_cast<ragppo::index::NodeField>(f));
                if (v.size() > size) __builtin_trap();  // a field is a view into the file
                for (char c : v) sum += static_cast<unsigned char>(c);  // touch every byte
            }
        }
        if (sum == 0xFFFFFFFFu) std::abort();  // keeps the loop from being optimised away
    });
    return 0;
}
