// Byte-level BPE: a vocabulary of byte-mapped token strings and ranked merges.
// Encoding one pre-token merges its bytes by rank exactly as HF tokenizers'
// BPE model does (lowest rank first, leftmost on ties), with a cache of
// already-seen pre-tokens because news text repeats words constantly.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ragppo::text {

// Hash that accepts std::string_view, so lookups by view need no allocation.
struct StringViewHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <class V>
using StringMap = std::unordered_map<std::string, V, StringViewHash, std::equal_to<>>;

class BpeModel {
public:
    // vocab maps token strings (in the byte-to-unicode alphabet) to ids; merges are
    // pairs of token strings in rank order. Throws std::runtime_error when a merge
    // names a token that is not in the vocabulary or any byte has no token.
    // ignore_merges: a pre-token found whole in the vocabulary is taken as is.
    BpeModel(std::unordered_map<std::string, int32_t> vocab,
             const std::vector<std::pair<std::string, std::string>> & merges, bool ignore_merges);
    ~BpeModel();
    BpeModel(const BpeModel &) = delete;
    BpeModel & operator=(const BpeModel &) = delete;

    // Appends the ids of one pre-token, given as raw (unmapped) bytes.
    void encode_piece(std::string_view bytes, std::vector<int32_t> & out) const;

    int32_t token_to_id(std::string_view token) const;    // -1 when absent
    const std::string * id_to_token(int32_t id) const;    // nullptr when absent
    size_t vocab_size() const { return vocab_.size(); }
    size_t id_limit() const { return id_to_token_.size(); }  // largest id + 1
    size_t merge_count() const { return merges_.size(); }

private:
    struct MergeTarget {
        uint32_t rank;
        int32_t id;
    };
    struct PieceCache;

    void merge_bytes(std::string_view bytes, std::vector<int32_t> & out) const;

    StringMap<int32_t> vocab_;
    std::vector<std::string> id_to_token_;
    std::vector<bool> id_present_;
    std::unordered_map<uint64_t, MergeTarget> merges_;  // (left id << 32 | right id) -> merge
    int32_t byte_ids_[256];
    bool ignore_merges_;
    std::unique_ptr<PieceCache> cache_;
};

}  // namespace ragppo::text
