#include "bindings.h"

#include "ragppo.h"
#include "ragppo/util.h"

#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

namespace ragppo::python {

namespace {

struct PyEmbedder {
    EmbedderPtr e;
    std::mutex mu;  // one call at a time (bindings.h)
};

}  // namespace

void bind_embed(nb::module_ & m) {
    nb::class_<PyEmbedder>(m, "Embedder",
                           "A sentence-embedding model (GGUF): BGE, MiniLM, ... Vectors are float32 numpy arrays.")
        .def(
            "__init__",
            [](PyEmbedder * self, const std::string & model, const std::string & query_instruction, int max_tokens,
               int n_threads, bool normalize, bool offline) {
                EmbedderParams p;
                p.model = model.empty() ? default_embedder_id() : model;
                p.query_instruction = query_instruction == "default" ? default_query_instruction(p.model) : query_instruction;
                p.max_tokens = max_tokens;
                p.n_threads = n_threads;
                p.normalize = normalize;
                if (offline) p.hub.offline = true;
                nb::gil_scoped_release released;
                new (self) PyEmbedder{embedder_load(p)};
            },
            nb::arg("model") = "", nb::arg("query_instruction") = "default", nb::arg("max_tokens") = 0,
            nb::arg("n_threads") = 0, nb::arg("normalize") = true, nb::arg("offline") = false,
            "model: a Hub id or a .gguf path (\"\" = the embedded default). query_instruction: \"default\" = BGE's "
            "for BGE English models, else none.")
        .def_prop_ro("dim", [](const PyEmbedder & s) { return embedder_dim(*s.e); })
        .def_prop_ro("max_tokens", [](const PyEmbedder & s) { return embedder_max_tokens(*s.e); })
        .def("count_tokens", [](const PyEmbedder & s, const std::string & text) { return embedder_count_tokens(*s.e, text); })
        .def(
            "embed",
            [](PyEmbedder & s, const std::vector<std::string> & texts) {
                std::vector<float> v;
                {
                    nb::gil_scoped_release released;
                    std::lock_guard<std::mutex> one_call(s.mu);
                    v = embed_documents(*s.e, texts);
                }
                return to_numpy(std::move(v), texts.size(), static_cast<size_t>(embedder_dim(*s.e)));
            },
            nb::arg("texts"), "Embed documents: a [len(texts), dim] float32 array.")
        .def(
            "embed_queries",
            [](PyEmbedder & s, const std::vector<std::string> & texts) {
                std::vector<float> v;
                {
                    nb::gil_scoped_release released;
                    std::lock_guard<std::mutex> one_call(s.mu);
                    v = embed_queries(*s.e, texts);
                }
                return to_numpy(std::move(v), texts.size(), static_cast<size_t>(embedder_dim(*s.e)));
            },
            nb::arg("texts"), "Embed queries (the query instruction prefixed): a [len(texts), dim] float32 array.")
        // For bench/ (the bindings' overhead, measured in one process): embed() less the
        // binding, i.e. the texts converted first and only the C++ call timed.
        .def(
            "_embed_seconds_in_cpp",
            [](PyEmbedder & s, const std::vector<std::string> & texts) {
                nb::gil_scoped_release released;
                std::lock_guard<std::mutex> one_call(s.mu);
                const auto t0 = Clock::now();
                embed_documents(*s.e, texts);
                return ms_since(t0) / 1000.0;
            },
            nb::arg("texts"), "Seconds of embed_documents(texts) timed in C++ (for bench/).");
}

}  // namespace ragppo::python
