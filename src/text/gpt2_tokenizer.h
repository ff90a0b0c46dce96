// GPT-2's byte-level BPE tokenizer, id-for-id compatible with Hugging Face
// `tokenizers` (GPT2TokenizerFast): added/special tokens are cut out first, the
// rest is split by GPT-2's pre-tokenisation regex, byte-mapped and merged by rank.
// Thread-safe: encode/decode are const and may run concurrently.
#pragma once

#include "text/added_tokens.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ragppo::text {

class Gpt2Tokenizer {
public:
    // An HF tokenizer.json with a BPE model and a ByteLevel pre-tokenizer (what
    // GPT2TokenizerFast.save_pretrained writes). Throws std::runtime_error on
    // anything this implementation does not reproduce (e.g. a normalizer).
    static Gpt2Tokenizer from_tokenizer_json(const std::filesystem::path & path);

    // GPT-2's original files (vocab.json = encoder.json, merges.txt = vocab.bpe).
    // Like transformers' GPT-2 tokenizers, registers <|endoftext|> as a special
    // token when the vocabulary has it, then adds `added` in order.
    static Gpt2Tokenizer from_vocab_and_merges(const std::filesystem::path & vocab_json,
                                               const std::filesystem::path & merges_txt,
                                               std::vector<AddedToken> added = {});

    // A checkpoint directory: tokenizer.json when present, else vocab.json +
    // merges.txt with the added tokens from tokenizer_config.json
    // ("added_tokens_decoder") or added_tokens.json.
    static Gpt2Tokenizer from_directory(const std::filesystem::path & dir);

    Gpt2Tokenizer(Gpt2Tokenizer &&) noexcept;
    Gpt2Tokenizer & operator=(Gpt2Tokenizer &&) noexcept;
    ~Gpt2Tokenizer();

    // Adds tokens the way HF's add_tokens does: a token already in the vocabulary
    // keeps its id, a new one gets the next free id. Returns the ids.
    std::vector<int32_t> add_tokens(std::vector<AddedToken> tokens);

    std::vector<int32_t> encode(std::string_view text) const;
    void encode_into(std::string_view text, std::vector<int32_t> & ids) const;  // appends

    // Ids to text; bytes split across tokens are re-assembled and any invalid
    // UTF-8 left over becomes U+FFFD (HF's behaviour). Unknown ids are skipped.
    std::string decode(std::span<const int32_t> ids, bool skip_special_tokens = false) const;

    std::optional<int32_t> token_to_id(std::string_view token) const;
    std::optional<std::string> id_to_token(int32_t id) const;  // the vocab string (byte-mapped)
    bool is_special(int32_t id) const;
    std::optional<int32_t> eos_token_id() const;  // <|endoftext|>

    size_t vocab_size() const;  // len(tokenizer) in HF: base vocabulary plus added tokens
    const std::vector<AddedToken> & added_tokens() const;

private:
    // The loaders proper; the public ones above wrap them to turn a JSON structure error
    // into one ragppo::Error naming the file.
    static Gpt2Tokenizer load_tokenizer_json(const std::filesystem::path & path);
    static Gpt2Tokenizer load_vocab_and_merges(const std::filesystem::path & vocab_json,
                                               const std::filesystem::path & merges_txt, std::vector<AddedToken> added);
    static Gpt2Tokenizer load_directory(const std::filesystem::path & dir);

    struct Impl;
    explicit Gpt2Tokenizer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ragppo::text
