// Tokens added on top of a BPE vocabulary (special tokens such as <|endoftext|>,
// padding or task markers). They are cut out of the text before pre-tokenisation,
// with HF tokenizers' rules: leftmost-longest match, optional single-word,
// lstrip and rstrip; tokens with normalized=false are matched first.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ragppo::text {

struct AddedToken {
    std::string content;
    int32_t id = -1;            // -1: take the token's vocabulary id, or the next free id
    bool special = false;       // skipped by decode(..., skip_special_tokens=true)
    bool single_word = false;   // only match when not inside a word
    bool lstrip = false;        // the match swallows whitespace on its left
    bool rstrip = false;        // ... and on its right
    bool normalized = true;     // matched in the second pass (HF: after normalisation)
};

// A run of the input: either an added token (id >= 0) or plain text (id = -1).
struct TextSegment {
    size_t begin;
    size_t end;
    int32_t added_id;
};

class AddedTokenMatcher {
public:
    explicit AddedTokenMatcher(std::vector<AddedToken> tokens = {});

    // Splits text into plain-text and added-token segments covering all of it.
    std::vector<TextSegment> split(std::string_view text) const;

    const std::vector<AddedToken> & tokens() const { return tokens_; }

private:
    // Appends the segments of text[begin, end) found with one pass's token set.
    void split_pass(std::string_view text, size_t begin, size_t end, const std::vector<size_t> & pass,
                    std::vector<TextSegment> & out) const;

    std::vector<AddedToken> tokens_;
    std::vector<size_t> raw_pass_;         // indices of tokens with normalized=false
    std::vector<size_t> normalized_pass_;  // indices of tokens with normalized=true
    bool first_bytes_[256] = {};           // quick reject: no token starts with this byte
};

}  // namespace ragppo::text
