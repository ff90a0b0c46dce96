// Python list literals of strings, the NER / ingredients cells of RecipeNLG
// (data/python_list): quotes of both kinds, escapes, unicode escapes, nesting.
#include "data/python_list.h"
#include "fuzz_support.h"

#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    // Its documented refusal is std::invalid_argument; list_field turns it into a row error.
    ragppo::fuzz::expect_only<std::invalid_argument>([&] {
        const auto items = ragppo::data::parse_python_str_list(ragppo::fuzz::as_view(data, size));
        size_t bytes = 0;
        for (const auto & s : items) bytes += s.size();
        // Escapes only shrink text, except \N{...}, \u and \U, which grow at most 4/6 bytes -> 4 bytes.
        if (bytes > 4 * size) __builtin_trap();
    });
    return 0;
}
