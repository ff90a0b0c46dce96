#include "text/byte_level.h"

#include "text/utf8.h"

#include <array>

namespace ragppo::text {
namespace {

// 68 bytes are not printable, so the mapped characters are U+0000..U+0143.
constexpr uint32_t kMappedLimit = 256 + 68;

struct ByteMaps {
    std::array<uint32_t, 256> to_unicode{};
    std::array<int16_t, kMappedLimit> to_byte{};
    ByteMaps() {
        to_byte.fill(-1);
        uint32_t next_extra = 256;
        for (int b = 0; b < 256; ++b) {
            const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
            to_unicode[b] = printable ? static_cast<uint32_t>(b) : next_extra++;
            to_byte[to_unicode[b]] = static_cast<int16_t>(b);
        }
    }
};

const ByteMaps & maps() {
    static const ByteMaps m;
    return m;
}

}  // namespace

uint32_t byte_to_unicode(uint8_t byte) { return maps().to_unicode[byte]; }

int unicode_to_byte(uint32_t cp) { return cp < kMappedLimit ? maps().to_byte[cp] : -1; }

std::string bytes_to_token_text(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char c : bytes) append_utf8(out, byte_to_unicode(static_cast<uint8_t>(c)));
    return out;
}

std::string token_text_to_bytes(std::string_view token) {
    std::string out;
    out.reserve(token.size());
    size_t pos = 0;
    while (pos < token.size()) {
        const Utf8Char ch = decode_utf8_char(token, pos);
        const int b = ch.valid ? unicode_to_byte(ch.codepoint) : -1;
        if (b < 0) return std::string(token);
        out.push_back(static_cast<char>(b));
        pos += ch.length;
    }
    return out;
}

}  // namespace ragppo::text
