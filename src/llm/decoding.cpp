#include "llm/decoding.h"

#include <algorithm>
#include <cmath>

namespace ragppo::llm {

namespace {

// HF's order of logits processors: the repetition penalty, then temperature, top-k,
// top-p, min-p, then sample. Penalties apply to greedy decoding too.
SamplerPtr make_sampler(const SamplingParams & s, const llama_vocab * vocab) {
    llama_sampler_chain_params cp = llama_sampler_chain_default_params();
    cp.no_perf = true;
    SamplerPtr chain(llama_sampler_chain_init(cp));
    const bool penalised = s.penalty_last_n > 0 &&
                           (s.repeat_penalty != 1.0f || s.presence_penalty != 0.0f || s.frequency_penalty != 0.0f);
    if (penalised) {
        // Only generated tokens are seen, so a window past max_new_tokens changes nothing,
        // and llama.cpp allocates the whole window up front.
        const int32_t window = std::min(s.penalty_last_n, s.max_new_tokens);
        llama_sampler_chain_add(chain.get(), llama_sampler_init_penalties(llama_vocab_n_tokens(vocab), window,
                                                                          s.repeat_penalty, s.frequency_penalty,
                                                                          s.presence_penalty));
    }
    if (s.temperature <= 0.0f) {
        llama_sampler_chain_add(chain.get(), llama_sampler_init_greedy());
        return chain;
    }
    llama_sampler_chain_add(chain.get(), llama_sampler_init_temp(s.temperature));
    if (s.top_k > 0) llama_sampler_chain_add(chain.get(), llama_sampler_init_top_k(s.top_k));
    if (s.top_p < 1.0f) llama_sampler_chain_add(chain.get(), llama_sampler_init_top_p(s.top_p, 1));
    if (s.min_p > 0.0f) llama_sampler_chain_add(chain.get(), llama_sampler_init_min_p(s.min_p, 1));
    llama_sampler_chain_add(chain.get(), llama_sampler_init_dist(s.seed));
    return chain;
}

// A turn ends at any end-of-generation token the model declares (EOS, EOT, <|end|>)
// and at any other control token (e.g. Phi-3's <|assistant|> or <|user|>): those
// start a new turn, and their text must never reach the answer.
bool ends_turn(const llama_vocab * vocab, llama_token t) {
    return llama_vocab_is_eog(vocab, t) || llama_vocab_is_control(vocab, t);
}

}  // namespace

void check_sampling(const SamplingParams & s) {
    auto fail = [](const std::string & what) { throw Error(what); };
    if (s.max_new_tokens <= 0) fail("max_new_tokens must be positive, got " + std::to_string(s.max_new_tokens));
    if (!(s.min_p >= 0.0f && s.min_p <= 1.0f)) fail("min_p must be in [0, 1], got " + std::to_string(s.min_p));
    if (!(s.repeat_penalty > 0.0f && std::isfinite(s.repeat_penalty)))
        fail("repeat_penalty must be finite and > 0, got " + std::to_string(s.repeat_penalty));
    if (!std::isfinite(s.presence_penalty)) fail("presence_penalty must be finite");
    if (!std::isfinite(s.frequency_penalty)) fail("frequency_penalty must be finite");
    if (s.penalty_last_n < 0) fail("penalty_last_n must be >= 0, got " + std::to_string(s.penalty_last_n));
}

Decoding::Decoding(const llama_vocab * vocab, const SamplingParams & sampling,
                   std::function<void(const std::string &)> on_token)
    : vocab_(vocab), max_new_tokens_(sampling.max_new_tokens), sampler_(make_sampler(sampling, vocab)),
      stops_(sampling.stop), on_token_(std::move(on_token)) {}

void Decoding::send(const std::string & ready) {
    if (ready.empty()) return;
    out_.text += ready;
    if (on_token_) on_token_(ready);
}

std::optional<llama_token> Decoding::next(llama_context * ctx, int32_t idx) {
    const llama_token t = llama_sampler_sample(sampler_.get(), ctx, idx);
    if (ends_turn(vocab_, t)) {
        out_.stop = StopReason::EndOfTurn;
        return std::nullopt;
    }
    ++out_.completion_tokens;
    send(stops_.push(stream_.push(token_piece(vocab_, t, /*special=*/false))));
    if (stops_.stopped() || out_.completion_tokens == max_new_tokens_) return std::nullopt;
    return t;
}

Generation Decoding::finish() {
    // Bytes of an unfinished character, then text held back as a possible stop sequence.
    send(stops_.push(stream_.flush()));
    send(stops_.flush());
    if (stops_.stopped()) out_.stop = StopReason::StopSequence;
    return std::move(out_);
}

}  // namespace ragppo::llm
