// Text generation with a GGUF causal LM through llama.cpp: chat formatting,
// sampling, end-of-turn stops and streaming.
#include "llm/chat_format.h"
#include "llm/llama_runtime.h"
#include "llm/stop_filter.h"
#include "llm/utf8_stream.h"
#include "ragppo.h"

#include "util/timer.h"

#include <algorithm>
#include <cmath>

namespace ragppo {

struct Generator {
    llm::ModelPtr model;
    llm::ContextPtr ctx;
    const llama_vocab * vocab = nullptr;
    std::unique_ptr<llm::ChatFormatter> formatter;
    int n_ctx = 0;
};

namespace {

using util::Clock;
using util::ms_since;

// HF's order of logits processors: the repetition penalty, then temperature, top-k,
// top-p, min-p, then sample. Penalties apply to greedy decoding too.
llm::SamplerPtr make_sampler(const SamplingParams & s, const llama_vocab * vocab) {
    llama_sampler_chain_params cp = llama_sampler_chain_default_params();
    cp.no_perf = true;
    llm::SamplerPtr chain(llama_sampler_chain_init(cp));
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

void check_penalties(const SamplingParams & s) {
    auto fail = [](const std::string & what) { throw Error(what); };
    if (!(s.min_p >= 0.0f && s.min_p <= 1.0f)) fail("min_p must be in [0, 1], got " + std::to_string(s.min_p));
    if (!(s.repeat_penalty > 0.0f && std::isfinite(s.repeat_penalty)))
        fail("repeat_penalty must be finite and > 0, got " + std::to_string(s.repeat_penalty));
    if (!std::isfinite(s.presence_penalty)) fail("presence_penalty must be finite");
    if (!std::isfinite(s.frequency_penalty)) fail("frequency_penalty must be finite");
    if (s.penalty_last_n < 0) fail("penalty_last_n must be >= 0, got " + std::to_string(s.penalty_last_n));
}

// A turn ends at any end-of-generation token the model declares (EOS, EOT, <|end|>)
// and at any other control token (e.g. Phi-3's <|assistant|> or <|user|>): those
// start a new turn, and their text must never reach the answer.
bool ends_turn(const llama_vocab * vocab, llama_token t) {
    return llama_vocab_is_eog(vocab, t) || llama_vocab_is_control(vocab, t);
}

}  // namespace

GeneratorPtr generator_load(const GeneratorParams & params) {
    const std::string model_id = params.model.empty() ? default_llm_id() : params.model;
    const HubFile file = hub_resolve_gguf(model_id, params.hub);

    auto g = std::make_unique<Generator>();
    g->model = llm::load_gguf(file.local);
    g->vocab = llama_model_get_vocab(g->model.get());
    g->formatter = std::make_unique<llm::ChatFormatter>(g->model.get(), params.format, model_id);
    if (params.n_ctx <= 0) {
        throw Error("context window must be positive, got " + std::to_string(params.n_ctx));
    }
    g->n_ctx = params.n_ctx;

    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = static_cast<uint32_t>(params.n_ctx);
    cp.n_batch = static_cast<uint32_t>(params.n_ctx);  // a whole prompt is one batch
    cp.n_seq_max = 1;
    cp.n_threads = cp.n_threads_batch = llm::default_threads(params.n_threads);
    cp.no_perf = true;
    g->ctx.reset(llama_init_from_model(g->model.get(), cp));
    if (!g->ctx) {
        throw Error("failed to create a generation context for " + file.local);
    }
    return GeneratorPtr(g.release(), [](Generator * p) { delete p; });
}

int generator_n_ctx(const Generator & g) { return g.n_ctx; }

std::string generator_format(const Generator & g, const std::string & user_prompt) {
    return g.formatter->apply(user_prompt);
}

int generator_count_tokens(const Generator & g, const std::string & text) {
    return static_cast<int>(llm::tokenize(g.vocab, text, /*add_special=*/false, /*parse_special=*/true).size());
}

Generation generate(Generator & g, const std::string & user_prompt, const SamplingParams & sampling,
                    const std::function<void(const std::string &)> & on_token) {
    if (sampling.max_new_tokens <= 0) {
        throw Error("max_new_tokens must be positive, got " + std::to_string(sampling.max_new_tokens));
    }
    check_penalties(sampling);
    const std::string prompt = g.formatter->apply(user_prompt);
    std::vector<llama_token> tokens = llm::tokenize(g.vocab, prompt, /*add_special=*/true, /*parse_special=*/true);
    if (tokens.empty()) {
        throw Error("the prompt is empty");
    }
    const int need = static_cast<int>(tokens.size()) + sampling.max_new_tokens;
    if (need > g.n_ctx) {
        throw Error("prompt of " + std::to_string(tokens.size()) + " tokens plus " +
                    std::to_string(sampling.max_new_tokens) + " new tokens exceeds the context window of " +
                    std::to_string(g.n_ctx) + " tokens");
    }

    Generation out;
    out.prompt_tokens = static_cast<int>(tokens.size());
    llama_memory_clear(llama_get_memory(g.ctx.get()), true);
    llm::SamplerPtr sampler = make_sampler(sampling, g.vocab);
    llm::Utf8Stream stream;
    llm::StopFilter stops(sampling.stop);
    auto send = [&](const std::string & ready) {
        if (ready.empty()) return;
        out.text += ready;
        if (on_token) on_token(ready);
    };
    auto emit = [&](const std::string & piece) { send(stops.push(stream.push(piece))); };

    auto t0 = Clock::now();
    llama_batch batch = llama_batch_get_one(tokens.data(), static_cast<int32_t>(tokens.size()));
    if (llama_decode(g.ctx.get(), batch) != 0) {
        throw Error("llama.cpp failed to evaluate the prompt");
    }
    out.prompt_ms = ms_since(t0);

    t0 = Clock::now();
    out.stop = StopReason::MaxTokens;
    for (int i = 0; i < sampling.max_new_tokens; ++i) {
        llama_token t = llama_sampler_sample(sampler.get(), g.ctx.get(), -1);
        if (ends_turn(g.vocab, t)) {
            out.stop = StopReason::EndOfTurn;
            break;
        }
        ++out.completion_tokens;
        emit(llm::token_piece(g.vocab, t, /*special=*/false));
        if (stops.stopped()) break;  // the reason is set below
        if (i + 1 == sampling.max_new_tokens) break;  // no need to evaluate the last token
        batch = llama_batch_get_one(&t, 1);
        if (llama_decode(g.ctx.get(), batch) != 0) {
            throw Error("llama.cpp failed to evaluate a generated token");
        }
    }
    // Bytes of an unfinished character, then text held back as a possible stop sequence.
    send(stops.push(stream.flush()));
    send(stops.flush());
    if (stops.stopped()) out.stop = StopReason::StopSequence;
    out.generate_ms = ms_since(t0);
    return out;
}

const char * stop_reason_name(StopReason r) {
    switch (r) {
        case StopReason::EndOfTurn: return "end_of_turn";
        case StopReason::StopSequence: return "stop_sequence";
        case StopReason::MaxTokens: break;
    }
    return "max_tokens";
}

}  // namespace ragppo
