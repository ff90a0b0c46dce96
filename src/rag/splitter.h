// Document splitting into nodes with LlamaIndex's SentenceSplitter semantics (the
// reference's default node parser): pieces by paragraph, then sentence, then
// sub-sentence punctuation, then words, then characters, until each fits chunk_size
// tokens; then pieces are merged greedily into chunks, each new chunk starting with up
// to chunk_overlap tokens of the previous one's trailing pieces. Chunks are stripped of
// outer whitespace and whitespace-only chunks dropped. A text within chunk_size is one
// chunk, so nearly every recipe is one node.
//
// Parity: given the same token counter and the same sentence stage, split_text returns
// the same list of strings as SentenceSplitter.split_text. Pass the reference's
// sentence splits (NLTK Punkt) through `sentence_split` for a 1:1 comparison.
#pragma once

#include "rag/token_counter.h"
#include "ragppo/index.h"

#include <functional>
#include <string>
#include <vector>

namespace ragppo::rag {

// Sentences of a text; the pieces must concatenate back to it (see split_sentences).
using SentenceSplitFn = std::function<std::vector<std::string>(const std::string &)>;

struct SplitterParams {
    int chunk_size = 1024;                    // tokens per chunk, at most
    int chunk_overlap = 200;                  // tokens carried over from the previous chunk, at most
    std::string paragraph_separator = "\n\n\n";
    std::string separator = " ";              // between words
    SentenceSplitFn sentence_split;           // empty = split_sentences (sentence_split.h)
    bool split_on_punctuation = true;         // pieces ending in , . ; 。 ？ ！ before words (LlamaIndex's secondary regex)
};

// Throws ragppo::Error if chunk_size < 1, chunk_overlap < 0 or > chunk_size, or a
// single character is longer than chunk_size tokens. An empty text gives one empty chunk.
std::vector<std::string> split_text(const std::string & text, const SplitterParams & params,
                                    const TokenCounter & count_tokens);

// Content-derived id: 32 hex digits of sha256(source_uid, text), so rebuilding an
// index gives every node the same id.
std::string node_id(const std::string & source_uid, const std::string & text);

// split_text, then one node per chunk, in document order: the store's node type
// (ragppo/index.h; LlamaIndex has one Node too), with id node_id(uid, text), the
// chunk and the uid (name and link are the caller's). A chunk text repeated within
// the document gets "-<n>" appended to its id for its n-th repeat (n >= 2).
std::vector<IndexNode> split_document(const std::string & source_uid, const std::string & text,
                                 const SplitterParams & params, const TokenCounter & count_tokens);

}  // namespace ragppo::rag
