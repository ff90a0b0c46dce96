#include "answer.h"

#include "ragppo/util.h"

namespace ragppo::serve {


AnswerResult run_answer(Generator & g, Retrieval & retrieval, const AnswerSpec & spec, const AnswerCallbacks & cb) {
    const auto t0 = Clock::now();
    AnswerResult r;
    if (spec.mode == AnswerMode::Rag) {
        r.sources = retrieval.retrieve(spec.question, spec.top_k);
        r.retrieve_ms = ms_since(t0);
    }
    bool sources_sent = false;
    auto send_sources = [&] {
        if (sources_sent) return;
        sources_sent = true;
        if (cb.on_sources) cb.on_sources(r.sources);
    };
    auto emit = [&](const std::string & text) {
        if (text.empty()) return;
        if (r.first_token_ms < 0) r.first_token_ms = ms_since(t0);
        send_sources();
        r.text += text;
        if (cb.on_text) cb.on_text(text);
    };
    auto on_token = [&](const std::string & piece) {
        if (cb.cancelled && cb.cancelled()) throw ClientGone{};
        emit(piece);
    };
    // The generator applies the stop sequences and stops decoding at the first one.
    SamplingParams sampling = spec.params.sampling;
    sampling.stop = spec.params.stop;

    if (spec.mode == AnswerMode::Rag) {
        std::vector<std::string> chunks;
        for (const auto & s : r.sources) chunks.push_back(s.node.text);
        const Synthesis s = synthesize(g, spec.question, chunks, spec.response_mode, sampling, on_token);
        r.llm_calls = s.llm_calls;
        r.prompt_tokens = s.prompt_tokens;
        r.cached_prompt_tokens = s.cached_prompt_tokens;
        r.completion_tokens = s.completion_tokens;
        r.stop = s.stop;
        r.llm_ms = s.llm_ms;
    } else {
        const Generation gen = generate(g, spec.question, sampling, on_token);
        r.llm_calls = 1;
        r.prompt_tokens = gen.prompt_tokens;
        r.cached_prompt_tokens = gen.cached_prompt_tokens;
        r.completion_tokens = gen.completion_tokens;
        r.stop = gen.stop;
        r.llm_ms = gen.prompt_ms + gen.generate_ms;
    }
    send_sources();
    r.total_ms = ms_since(t0);
    return r;
}

}  // namespace ragppo::serve
