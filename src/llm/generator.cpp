// Text generation with a GGUF causal LM through llama.cpp: chat formatting,
// sampling, end-of-turn stops and streaming.
#include "llm/batch_engine.h"
#include "llm/chat_format.h"
#include "llm/decoding.h"
#include "llm/llama_runtime.h"
#include "ragppo.h"

#include "util/timer.h"

#include <algorithm>
#include <cmath>

namespace ragppo {

struct Generator {
    std::shared_ptr<llama_model> model;  // shared by the handles of one batch engine
    const llama_vocab * vocab = nullptr;
    std::shared_ptr<llm::ChatFormatter> formatter;
    int n_ctx = 0;                        // per generation
    llm::ContextPtr ctx;                  // a handle of its own: one sequence
    std::shared_ptr<llm::BatchEngine> engine;  // else: sequences of one shared context
};

namespace {

using util::Clock;
using util::ms_since;

struct Loaded {
    std::shared_ptr<llama_model> model;
    std::shared_ptr<llm::ChatFormatter> formatter;
    std::string path;
};

Loaded load_model(const GeneratorParams & params) {
    const std::string model_id = params.model.empty() ? default_llm_id() : params.model;
    const HubFile file = hub_resolve_gguf(model_id, params.hub);
    if (params.n_ctx <= 0) throw Error("context window must be positive, got " + std::to_string(params.n_ctx));
    Loaded l;
    l.model = std::shared_ptr<llama_model>(llm::load_gguf(file.local).release(), llm::ModelDeleter{});
    l.formatter = std::make_shared<llm::ChatFormatter>(l.model.get(), params.format, model_id);
    l.path = file.local;
    return l;
}

// A handle onto the loaded model; the caller gives it a context or an engine.
std::unique_ptr<Generator> new_generator(const Loaded & loaded, const GeneratorParams & params) {
    auto g = std::make_unique<Generator>();
    g->model = loaded.model;
    g->vocab = llama_model_get_vocab(g->model.get());
    g->formatter = loaded.formatter;
    g->n_ctx = params.n_ctx;
    return g;
}

GeneratorPtr handle(std::unique_ptr<Generator> g) { return GeneratorPtr(g.release(), [](Generator * p) { delete p; }); }

}  // namespace

GeneratorPtr generator_load(const GeneratorParams & params) {
    auto loaded = load_model(params);
    auto g = new_generator(loaded, params);
    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = static_cast<uint32_t>(params.n_ctx);
    cp.n_batch = static_cast<uint32_t>(params.n_ctx);  // a whole prompt is one batch
    cp.n_seq_max = 1;
    cp.n_threads = cp.n_threads_batch = llm::default_threads(params.n_threads);
    cp.no_perf = true;
    g->ctx.reset(llama_init_from_model(g->model.get(), cp));
    if (!g->ctx) {
        throw Error("failed to create a generation context for " + loaded.path);
    }
    return handle(std::move(g));
}

std::vector<GeneratorPtr> generator_load_batched(const GeneratorParams & params, int n_seq) {
    if (n_seq < 1) throw Error("a batched generator needs at least one sequence, got " + std::to_string(n_seq));
    auto loaded = load_model(params);
    auto engine = std::make_shared<llm::BatchEngine>(loaded.model.get(), n_seq, params.n_ctx,
                                                     llm::default_threads(params.n_threads));
    std::vector<GeneratorPtr> handles;
    for (int i = 0; i < n_seq; ++i) {
        auto g = new_generator(loaded, params);
        g->engine = engine;
        handles.push_back(handle(std::move(g)));
    }
    return handles;
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
    llm::check_sampling(sampling);
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
    if (g.engine) return g.engine->run(tokens, sampling, on_token);

    llama_memory_clear(llama_get_memory(g.ctx.get()), true);
    llm::Decoding decoding(g.vocab, sampling, on_token);
    auto t0 = Clock::now();
    llama_batch batch = llama_batch_get_one(tokens.data(), static_cast<int32_t>(tokens.size()));
    if (llama_decode(g.ctx.get(), batch) != 0) {
        throw Error("llama.cpp failed to evaluate the prompt");
    }
    const double prompt_ms = ms_since(t0);

    t0 = Clock::now();
    while (auto t = decoding.next(g.ctx.get(), -1)) {
        batch = llama_batch_get_one(&*t, 1);
        if (llama_decode(g.ctx.get(), batch) != 0) {
            throw Error("llama.cpp failed to evaluate a generated token");
        }
    }
    Generation out = decoding.finish();
    out.prompt_tokens = static_cast<int>(tokens.size());
    out.prompt_ms = prompt_ms;
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
