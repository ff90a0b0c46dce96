#include "text/gpt2_pretokenizer.h"

#include "text/unicode_classes.h"
#include "text/utf8.h"

namespace ragppo::text {
namespace {

// The three classes the regex's alternatives are built on. Invalid UTF-8 bytes
// count as Other (they can only come from C++ callers; Python strings are valid).
enum class Kind { Letter, Number, Space, Other };

struct CharAt {
    Kind kind;
    uint32_t length;
};

CharAt char_at(std::string_view text, size_t pos) {
    const unsigned char b = static_cast<unsigned char>(text[pos]);
    if (b < 0x80) {  // ASCII fast path
        if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z')) return {Kind::Letter, 1};
        if (b >= '0' && b <= '9') return {Kind::Number, 1};
        if (b == ' ' || (b >= 0x09 && b <= 0x0D)) return {Kind::Space, 1};
        return {Kind::Other, 1};
    }
    const Utf8Char ch = decode_utf8_char(text, pos);
    if (!ch.valid) return {Kind::Other, ch.length};
    const CharClass c = char_class(ch.codepoint);
    if (is_letter(c)) return {Kind::Letter, ch.length};
    if (is_number(c)) return {Kind::Number, ch.length};
    if (is_whitespace(c)) return {Kind::Space, ch.length};
    return {Kind::Other, ch.length};
}

// Length of "'s", "'t", "'re", "'ve", "'m", "'ll", "'d" at pos, or 0.
size_t contraction_length(std::string_view text, size_t pos) {
    if (text[pos] != '\'' || pos + 1 >= text.size()) return 0;
    const char a = text[pos + 1];
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
    if (pos + 2 < text.size()) {
        const char b = text[pos + 2];
        if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
    }
    return 0;
}

// End of the run of characters of `kind` starting at pos.
size_t run_end(std::string_view text, size_t pos, Kind kind) {
    while (pos < text.size()) {
        const CharAt c = char_at(text, pos);
        if (c.kind != kind) break;
        pos += c.length;
    }
    return pos;
}

}  // namespace

size_t gpt2_pretoken_length(std::string_view text, size_t pos) {
    if (const size_t n = contraction_length(text, pos)) return n;

    // " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+": an optional literal space, then
    // a run of one class. Letters, numbers and "other" never mix within a run.
    size_t start = pos;
    if (text[pos] == ' ' && pos + 1 < text.size()) start = pos + 1;
    const CharAt first = char_at(text, start);
    if (first.kind != Kind::Space) return run_end(text, start, first.kind) - pos;

    // "\s+(?!\S)|\s+": a whitespace run; when a non-space follows, the run's last
    // character is left to start the next piece (so " word" keeps its space),
    // unless the run is a single character.
    size_t end = pos;
    size_t last_start = pos;
    while (end < text.size()) {
        const CharAt c = char_at(text, end);
        if (c.kind != Kind::Space) break;
        last_start = end;
        end += c.length;
    }
    if (end == text.size() || last_start == pos) return end - pos;
    return last_start - pos;
}

std::vector<std::string_view> split_gpt2_pretokens(std::string_view text) {
    std::vector<std::string_view> pieces;
    for_each_gpt2_pretoken(text, [&](std::string_view piece) { pieces.push_back(piece); });
    return pieces;
}

}  // namespace ragppo::text
