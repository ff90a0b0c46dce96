#include "bindings.h"
#include "sampling_args.h"

#include "ragppo.h"

#include <nanobind/stl/function.h>

namespace ragppo::python {

namespace {

struct PyGenerator {
    GeneratorPtr g;
    std::string model;  // as given ("" = the embedded default): picks the default sampling
    std::mutex mu;      // one call at a time (bindings.h)
};

}  // namespace

void bind_llm(nb::module_ & m) {
    nb::enum_<StopReason>(m, "StopReason")
        .value("EndOfTurn", StopReason::EndOfTurn)
        .value("MaxTokens", StopReason::MaxTokens)
        .value("StopSequence", StopReason::StopSequence);

    nb::class_<Generation>(m, "Generation")
        .def_ro("text", &Generation::text)
        .def_ro("stop", &Generation::stop)
        .def_ro("prompt_tokens", &Generation::prompt_tokens)
        .def_ro("completion_tokens", &Generation::completion_tokens)
        .def_ro("prompt_ms", &Generation::prompt_ms)
        .def_ro("generate_ms", &Generation::generate_ms);

    nb::class_<PyGenerator>(m, "Generator", "A chat LLM (GGUF) on llama.cpp.")
        .def(
            "__init__",
            [](PyGenerator * self, const std::string & model, int n_ctx, int n_threads, bool offline) {
                GeneratorParams p;
                p.model = model.empty() ? default_llm_id() : model;
                p.n_ctx = n_ctx;
                p.n_threads = n_threads;
                if (offline) p.hub.offline = true;
                nb::gil_scoped_release released;
                new (self) PyGenerator{generator_load(p), model};
            },
            nb::arg("model") = "", nb::arg("n_ctx") = 1024, nb::arg("n_threads") = 0, nb::arg("offline") = false,
            "model: a Hub id (\"org/name[:quant]\") or a .gguf path (\"\" = the embedded default).")
        .def_prop_ro("n_ctx", [](const PyGenerator & s) { return generator_n_ctx(*s.g); })
        .def("format", [](const PyGenerator & s, const std::string & prompt) { return generator_format(*s.g, prompt); },
             nb::arg("prompt"), "The prompt as the model reads it, chat format applied.")
        .def("count_tokens", [](const PyGenerator & s, const std::string & text) { return generator_count_tokens(*s.g, text); })
        .def(
            "generate",
            [](PyGenerator & s, const std::string & prompt, const std::function<void(const std::string &)> & on_token,
               std::optional<float> temperature, std::optional<float> top_p, std::optional<float> min_p,
               std::optional<float> repeat_penalty, std::optional<int> top_k, std::optional<int> max_new_tokens,
               std::optional<uint32_t> seed, std::optional<std::vector<std::string>> stop) {
                const SamplingArgs args{temperature, top_p, min_p, repeat_penalty, top_k, max_new_tokens, seed, stop};
                const SamplingParams sampling = args.apply(default_sampling(s.model));
                nb::gil_scoped_release released;
                std::lock_guard<std::mutex> one_call(s.mu);
                return generate(*s.g, prompt, sampling, on_token);
            },
            nb::arg("prompt"), nb::arg("on_token").none() = nb::none(), RAGPPO_SAMPLING_KWARGS,
            "Reply to `prompt`; on_token(piece) receives the text as it is decoded. Sampling defaults: the "
            "reference's (temperature 0.7, top-k 50, 128 new tokens, seed 42); the embedded default LLM "
            "decodes greedily (temperature 0) with repeat_penalty 1.1.");
}

}  // namespace ragppo::python
