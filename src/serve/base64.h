// Standard base64 (RFC 4648, with padding) of raw bytes: OpenAI's "base64"
// encoding_format for embeddings, which the openai package asks for by default.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ragppo::serve {

inline std::string base64_encode(const void * data, size_t n) {
    static const char * alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const auto * p = static_cast<const uint8_t *>(data);
    std::string out;
    out.reserve((n + 2) / 3 * 4);
    for (size_t i = 0; i < n; i += 3) {
        const uint32_t b = (uint32_t(p[i]) << 16) | (i + 1 < n ? uint32_t(p[i + 1]) << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        out += alphabet[(b >> 18) & 63];
        out += alphabet[(b >> 12) & 63];
        out += i + 1 < n ? alphabet[(b >> 6) & 63] : '=';
        out += i + 2 < n ? alphabet[b & 63] : '=';
    }
    return out;
}

}  // namespace ragppo::serve
