#include "data/field_limit.h"

#include "text/utf8.h"

namespace ragppo::data {

size_t cut_field(std::string & s, size_t max_bytes) {
    if (max_bytes == 0 || s.size() <= max_bytes) return 0;
    const size_t original = s.size();
    s.resize(text::utf8_prefix_bytes(s, max_bytes));
    s.shrink_to_fit();  // the 10 MB buffer goes now, not when the recipe does
    return original;
}

std::string describe_cut(const std::string & field, size_t kept, size_t original) {
    return field + " cut to " + std::to_string(kept) + " of " + std::to_string(original) + " bytes";
}

}  // namespace ragppo::data
