// One generation's state between llama_decode calls: its sampler chain, the UTF-8
// and stop-sequence filters and the Generation being built. The single-sequence
// generate() and the batch engine (batch_engine.h) both step one of these per
// decoded token, so they stop, stream and count alike.
#pragma once

#include "llm/llama_runtime.h"
#include "llm/stop_filter.h"
#include "llm/utf8_stream.h"
#include "ragppo.h"

#include <functional>
#include <optional>

namespace ragppo::llm {

// Throws ragppo::Error, one line, for a max_new_tokens or penalty out of range.
void check_sampling(const SamplingParams & s);

class Decoding {
public:
    Decoding(const llama_vocab * vocab, const SamplingParams & sampling,
             std::function<void(const std::string & piece)> on_token);

    // Samples a token from the logits of output `idx` of the context's last decode
    // (-1: the last) and streams its text. Returns the token to evaluate next, or
    // nullopt once the generation is over: an end-of-turn token (not streamed), a
    // stop sequence, or max_new_tokens (the last token is never evaluated).
    // Exceptions of on_token pass through.
    std::optional<llama_token> next(llama_context * ctx, int32_t idx);

    // Streams what the filters held back and returns the generation (text,
    // completion tokens, stop reason; the caller fills prompt tokens and times).
    Generation finish();

private:
    void send(const std::string & ready);

    const llama_vocab * vocab_;
    int max_new_tokens_;
    SamplerPtr sampler_;
    Utf8Stream stream_;
    StopFilter stops_;
    std::function<void(const std::string &)> on_token_;
    Generation out_;
};

}  // namespace ragppo::llm
