#include "rag/py_str.h"

#include "text/utf8.h"

namespace ragppo::rag {

bool py_isspace(uint32_t cp) {
    // Python's str.isspace: bidirectional class WS, B or S, or category Zs.
    if (cp <= 0x20) return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
           cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

size_t py_space_at(std::string_view s, size_t pos) {
    const unsigned char c = static_cast<unsigned char>(s[pos]);
    if (c < 0x80) return py_isspace(c) ? 1 : 0;
    const auto ch = text::decode_utf8_char(s, pos);
    return ch.valid && py_isspace(ch.codepoint) ? ch.length : 0;
}

std::string py_strip(std::string_view s) {
    size_t b = 0;
    while (b < s.size()) {
        const size_t n = py_space_at(s, b);
        if (n == 0) break;
        b += n;
    }
    size_t e = s.size();
    while (e > b) {
        size_t start = e - 1;  // back up to the first byte of the last code point
        while (start > b && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80 && e - start < 4) --start;
        const size_t n = py_space_at(s, start);
        if (n == 0 || start + n != e) break;
        e = start;
    }
    return std::string(s.substr(b, e - b));
}

}  // namespace ragppo::rag
