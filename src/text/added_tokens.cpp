#include "text/added_tokens.h"

#include "text/unicode_classes.h"
#include "text/utf8.h"

#include <algorithm>

namespace ragppo::text {
namespace {

bool is_space_at(std::string_view text, size_t pos, size_t * length) {
    const Utf8Char ch = decode_utf8_char(text, pos);
    *length = ch.length;
    return ch.valid && is_whitespace(char_class(ch.codepoint));
}

// Whether the character that ends just before `pos` is a word character.
bool word_char_before(std::string_view text, size_t pos) {
    if (pos == 0) return false;
    size_t start = pos - 1;
    while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80 && pos - start < 4) --start;
    const Utf8Char ch = decode_utf8_char(text, start);
    return ch.valid && start + ch.length == pos && is_word_char(char_class(ch.codepoint));
}

bool word_char_at(std::string_view text, size_t pos) {
    if (pos >= text.size()) return false;
    const Utf8Char ch = decode_utf8_char(text, pos);
    return ch.valid && is_word_char(char_class(ch.codepoint));
}

// Start of the whitespace run that ends at `end` (but not before `floor`).
size_t whitespace_start_before(std::string_view text, size_t end, size_t floor) {
    size_t start = end;
    while (start > floor) {
        size_t cand = start - 1;
        while (cand > floor && (static_cast<unsigned char>(text[cand]) & 0xC0) == 0x80) --cand;
        size_t len = 0;
        if (!is_space_at(text, cand, &len) || cand + len != start) break;
        start = cand;
    }
    return start;
}

size_t whitespace_end_after(std::string_view text, size_t begin, size_t limit) {
    size_t end = begin;
    size_t len = 0;
    while (end < limit && is_space_at(text, end, &len)) end += len;
    return std::min(end, limit);
}

}  // namespace

AddedTokenMatcher::AddedTokenMatcher(std::vector<AddedToken> tokens) : tokens_(std::move(tokens)) {
    for (size_t i = 0; i < tokens_.size(); ++i) {
        if (tokens_[i].content.empty()) continue;
        (tokens_[i].normalized ? normalized_pass_ : raw_pass_).push_back(i);
        first_bytes_[static_cast<unsigned char>(tokens_[i].content[0])] = true;
    }
}

std::vector<TextSegment> AddedTokenMatcher::split(std::string_view text) const {
    std::vector<TextSegment> first;
    split_pass(text, 0, text.size(), raw_pass_, first);
    if (normalized_pass_.empty()) return first;
    std::vector<TextSegment> out;
    for (const TextSegment & s : first) {
        if (s.added_id >= 0) out.push_back(s);
        else split_pass(text, s.begin, s.end, normalized_pass_, out);
    }
    return out;
}

void AddedTokenMatcher::split_pass(std::string_view text, size_t begin, size_t end, const std::vector<size_t> & pass,
                                   std::vector<TextSegment> & out) const {
    // The segment is matched as a string of its own, as HF does per split:
    // word boundaries and stripping never look past [begin, end).
    const std::string_view seg = text.substr(0, end);
    size_t emitted = begin;  // everything before this is already in `out`
    size_t pos = begin;
    while (!pass.empty() && pos < end) {
        if (!first_bytes_[static_cast<unsigned char>(seg[pos])]) {
            ++pos;
            continue;
        }
        // Leftmost-longest: at the first position where any token matches, the longest.
        const AddedToken * best = nullptr;
        for (const size_t i : pass) {
            const std::string & c = tokens_[i].content;
            if (c.size() <= end - pos && seg.compare(pos, c.size(), c) == 0 &&
                (best == nullptr || c.size() > best->content.size())) {
                best = &tokens_[i];
            }
        }
        if (best == nullptr) {
            ++pos;
            continue;
        }
        size_t match_begin = pos, match_end = pos + best->content.size();
        pos = match_end;  // the scan resumes after the match even when it is discarded
        if (best->single_word) {
            const bool left_ok = match_begin == begin || !word_char_before(seg, match_begin);
            const bool right_ok = match_end == end || !word_char_at(seg, match_end);
            if (!left_ok || !right_ok) continue;
        }
        if (best->lstrip) match_begin = std::max(whitespace_start_before(seg, match_begin, begin), emitted);
        if (best->rstrip) match_end = whitespace_end_after(seg, match_end, end);
        if (emitted < match_begin) out.push_back(TextSegment{emitted, match_begin, -1});
        out.push_back(TextSegment{match_begin, match_end, best->id});
        emitted = match_end;
        pos = std::max(pos, match_end);
    }
    if (emitted < end) out.push_back(TextSegment{emitted, end, -1});
}

}  // namespace ragppo::text
