// UTF-8 helpers shared by the tokenizer and the ROUGE tokeniser: decode one
// character (tolerating invalid bytes), append a code point, and repair invalid
// byte sequences the way Python's errors="replace" / Rust's from_utf8_lossy do.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ragppo::text {

inline constexpr uint32_t kReplacementChar = 0xFFFD;

struct Utf8Char {
    uint32_t codepoint;  // kReplacementChar when the bytes at the position are not well-formed
    uint32_t length;     // bytes consumed, >= 1
    bool valid;
};

// Decodes the character starting at text[pos] (pos < text.size()). An ill-formed
// sequence yields valid=false and the length of its maximal well-formed prefix
// (at least 1), per the Unicode "maximal subpart" rule.
Utf8Char decode_utf8_char(std::string_view text, size_t pos);

void append_utf8(std::string & out, uint32_t codepoint);

// Returns text with each maximal ill-formed subsequence replaced by U+FFFD.
std::string to_valid_utf8(std::string_view bytes);

// The length of the longest prefix of `text` of at most `max_bytes` bytes that does
// not end inside a character: where to cut a text to a byte budget and keep it
// valid UTF-8 (a character that would straddle the cut is left out whole).
size_t utf8_prefix_bytes(std::string_view text, size_t max_bytes);

}  // namespace ragppo::text
