// GPT-2's pre-tokenisation: the split that HF tokenizers' ByteLevel pre-tokenizer
// makes with the regex
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// written out by hand (no regex engine): every byte of the input lands in exactly
// one piece, so the pieces concatenate back to the input.
#pragma once

#include <string_view>
#include <vector>

namespace ragppo::text {

// Calls on_piece(std::string_view) for each piece, in order.
template <class OnPiece>
void for_each_gpt2_pretoken(std::string_view text, OnPiece && on_piece);

// Length in bytes of the piece that starts at text[pos] (pos < text.size()).
size_t gpt2_pretoken_length(std::string_view text, size_t pos);

std::vector<std::string_view> split_gpt2_pretokens(std::string_view text);

template <class OnPiece>
void for_each_gpt2_pretoken(std::string_view text, OnPiece && on_piece) {
    size_t pos = 0;
    while (pos < text.size()) {
        const size_t len = gpt2_pretoken_length(text, pos);
        on_piece(text.substr(pos, len));
        pos += len;
    }
}

}  // namespace ragppo::text
