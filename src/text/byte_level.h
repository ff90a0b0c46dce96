// GPT-2's byte-to-unicode mapping: every byte gets a printable character so that
// BPE tokens are strings (bytes 33-126, 161-172 and 174-255 map to themselves,
// the other 68 bytes to U+0100 onwards, in order).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ragppo::text {

// The character (code point) that stands for `byte` in vocab tokens.
uint32_t byte_to_unicode(uint8_t byte);

// The byte a code point stands for, or -1 if it is not one of the 256 characters.
int unicode_to_byte(uint32_t codepoint);

// Token string (UTF-8 of mapped characters) for raw bytes.
std::string bytes_to_token_text(std::string_view bytes);

// Inverse of bytes_to_token_text, as HF's ByteLevel decoder does it: when every
// character of the token is a mapped one, its bytes; otherwise (e.g. an added
// token such as " <sep>" containing a plain space) the token's own UTF-8 bytes.
std::string token_text_to_bytes(std::string_view token);

}  // namespace ragppo::text
