// Lists of names (columns, files) inside one-line error messages, kept short: a CSV
// header of a million columns gave an 8.9 MB error message. At most `max_items`
// names, each cut to `max_name` bytes, then "... (N more)".
#pragma once

#include <string>
#include <vector>

namespace ragppo::util {

inline std::string list_for_message(const std::vector<std::string> & names, size_t max_items = 20, size_t max_name = 60) {
    std::string out;
    for (size_t i = 0; i < names.size() && i < max_items; ++i) {
        std::string n = names[i];
        if (n.size() > max_name) {
            size_t cut = max_name;
            while (cut > 0 && (static_cast<unsigned char>(n[cut]) & 0xC0) == 0x80) --cut;  // whole characters only
            n = n.substr(0, cut) + "...";
        }
        for (char & c : n)
            if (c == '\n' || c == '\r') c = ' ';  // one line
        out += (out.empty() ? "" : ", ") + n;
    }
    if (names.size() > max_items) out += ", ... (" + std::to_string(names.size() - max_items) + " more)";
    return out;
}

}  // namespace ragppo::util
