#include "text/utf8.h"

namespace ragppo::text {

Utf8Char decode_utf8_char(std::string_view text, size_t pos) {
    const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(pos);
    if (lead < 0x80) return {lead, 1, true};

    // Length and the allowed range of the second byte (Unicode Table 3-7), which
    // excludes overlong forms, surrogates and code points above U+10FFFF.
    uint32_t need = 0, cp = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) { need = 1; cp = lead & 0x1F; }
    else if (lead >= 0xE0 && lead <= 0xEF) {
        need = 2; cp = lead & 0x0F;
        if (lead == 0xE0) lo = 0xA0;
        if (lead == 0xED) hi = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        need = 3; cp = lead & 0x07;
        if (lead == 0xF0) lo = 0x90;
        if (lead == 0xF4) hi = 0x8F;
    } else {
        return {kReplacementChar, 1, false};
    }
    uint32_t len = 1;
    for (uint32_t k = 0; k < need; ++k) {
        const size_t i = pos + len;
        if (i >= text.size()) return {kReplacementChar, len, false};
        const unsigned char c = byte(i);
        const unsigned char min = k == 0 ? lo : 0x80, max = k == 0 ? hi : 0xBF;
        if (c < min || c > max) return {kReplacementChar, len, false};
        cp = (cp << 6) | (c & 0x3F);
        ++len;
    }
    return {cp, len, true};
}

void append_utf8(std::string & out, uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

std::string to_valid_utf8(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    size_t pos = 0;
    while (pos < bytes.size()) {
        const Utf8Char ch = decode_utf8_char(bytes, pos);
        if (ch.valid) out.append(bytes.substr(pos, ch.length));
        else append_utf8(out, kReplacementChar);
        pos += ch.length;
    }
    return out;
}

size_t utf8_prefix_bytes(std::string_view text, size_t max_bytes) {
    if (text.size() <= max_bytes) return text.size();
    // Back from the first byte past the cut to the lead byte of its character (a
    // character has at most 3 continuation bytes), then keep that character only if
    // it ends before the cut (a stray continuation byte is a character of its own).
    size_t lead = max_bytes;
    while (lead > 0 && max_bytes - lead < 3 && (static_cast<unsigned char>(text[lead]) & 0xC0) == 0x80) --lead;
    const Utf8Char ch = decode_utf8_char(text, lead);
    return lead + ch.length <= max_bytes ? max_bytes : lead;
}

}  // namespace ragppo::text
