// A BERT sentence encoder built directly on ggml, for the embedder's hot path.
//
// Why not llama.cpp's own BERT graph: llama.cpp packs every sequence of a batch into one
// token axis and attends across all of them (masked), so attention costs grow with the
// square of the batch and batches must stay near one sequence long, which starves the
// matrix multiplications. Here a batch is S sequences padded to one length L (texts are
// sorted by length, so there is little padding): the matmuls see S*L tokens at once,
// attention runs per sequence as a 4-D flash attention, and the FFN uses BERT's exact
// erf GELU. Only plain BERT GGUFs (general.architecture "bert": MiniLM, BGE, e5, ...)
// are taken; anything else stays on llama.cpp.
#pragma once

#include "ragppo.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ragppo::embed {

class BertEncoder {
public:
    // Null when the file is not a plain BERT this encoder covers (the caller falls back
    // to llama.cpp); `why` then says what was missing. Throws ragppo::Error when the file
    // is a BERT but unreadable.
    static std::unique_ptr<BertEncoder> load(const std::string & gguf_path, int n_threads, std::string * why);
    ~BertEncoder();
    BertEncoder(const BertEncoder &) = delete;
    BertEncoder & operator=(const BertEncoder &) = delete;

    int dim() const;
    int max_positions() const;
    // The pooling the file declares (bert.pooling_type); FromModel when it declares none.
    Pooling declared_pooling() const;

    // Encode sequences of token ids (with [CLS]/[SEP], at most max_positions() each) as
    // one padded batch; writes one pooled, unnormalised row of dim() floats per sequence.
    // `pooling`: Cls, Mean or Last.
    void encode(const std::vector<const std::vector<int32_t> *> & seqs, Pooling pooling, float * out);

    struct Impl;

private:
    explicit BertEncoder(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ragppo::embed
