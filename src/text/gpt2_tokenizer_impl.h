// Internal state of Gpt2Tokenizer, shared by its encoding and loading files.
#pragma once

#include "text/added_tokens.h"
#include "text/bpe_model.h"
#include "text/gpt2_tokenizer.h"

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace ragppo::text {

struct Gpt2Tokenizer::Impl {
    std::unique_ptr<BpeModel> model;
    bool add_prefix_space = false;  // ByteLevel option: " " before each text run not starting with one

    std::vector<AddedToken> added;  // every added token, with its id
    std::unordered_map<int32_t, size_t> added_index_by_id;
    StringMap<int32_t> added_id_by_content;
    AddedTokenMatcher matcher;

    std::vector<std::string> id_bytes;  // decoded bytes of every id (added tokens win)
    std::vector<bool> id_known;
    std::vector<bool> id_special;

    // Recomputes the matcher and the per-id tables after `added` changed.
    void refresh();
};

}  // namespace ragppo::text
