// A whole recipe file through the loader a user's `ragppo index -d FILE` runs: format
// detection, column mapping, list cells (JSON, Python-list NER), field limits. The
// first byte picks the file's extension.
#include "data/recipe_loader.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    if (size == 0) return 0;
    static const char * kNames[] = {"recipes.csv", "recipes.json", "recipes.jsonl", "recipes.txt"};
    const auto path = ragppo::fuzz::ScratchDir::write(kNames[data[0] & 3], ragppo::fuzz::as_view(data + 1, size - 1));
    ragppo::fuzz::expect_only_ragppo_errors([&] {
        const auto report = ragppo::data::load_recipes(path.string());
        if (report.recipes.size() + report.skipped.size() > report.rows_read) __builtin_trap();
    });
    return 0;
}
