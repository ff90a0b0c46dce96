#include "text/unicode_classes.h"

#include <algorithm>
#include <array>
#include <iterator>

namespace ragppo::text {
namespace {

struct ClassRange {
    uint32_t first;
    uint32_t last;
    CharClass cls;
};

constexpr ClassRange kRanges[] = {
#include "text/unicode_classes.inc"
};

CharClass lookup_ranges(uint32_t cp) {
    const auto it = std::upper_bound(std::begin(kRanges), std::end(kRanges), cp,
                                     [](uint32_t c, const ClassRange & r) { return c < r.first; });
    if (it == std::begin(kRanges)) return CharClass::Other;
    const ClassRange & r = *std::prev(it);
    return cp <= r.last ? r.cls : CharClass::Other;
}

// The Basic Multilingual Plane covers nearly all text we see; a flat table makes
// its lookups one load instead of a binary search.
struct BmpTable {
    std::array<CharClass, 0x10000> classes{};
    BmpTable() {
        for (const ClassRange & r : kRanges) {
            if (r.first >= 0x10000) break;
            for (uint32_t cp = r.first; cp <= r.last && cp < 0x10000; ++cp) classes[cp] = r.cls;
        }
    }
};

}  // namespace

CharClass char_class(uint32_t cp) {
    static const BmpTable bmp;
    return cp < 0x10000 ? bmp.classes[cp] : lookup_ranges(cp);
}

}  // namespace ragppo::text
