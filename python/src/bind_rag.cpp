#include "bindings.h"
#include "sampling_args.h"

#include "ragppo/rag.h"

#include <nanobind/stl/function.h>

namespace ragppo::python {

namespace {

struct PyQueryEngine {
    QueryEnginePtr qe;
    std::mutex mu;  // one call at a time (bindings.h): the LLM loads on first use
};

nb::dict report_dict(const IndexBuildReport & r) {
    nb::dict d;
    d["rows_read"] = r.rows_read;
    d["recipes"] = r.recipes;
    d["format"] = r.format;
    d["skipped"] = r.skipped;
    d["cut"] = r.cut;
    d["nodes"] = r.nodes;
    d["added"] = r.added;
    d["index_size"] = r.index_size;
    d["embed_ms"] = r.embed_ms;
    return d;
}

Response answer(PyQueryEngine & s, const std::string & query, const TokenCallback & on_token, bool vanilla) {
    nb::gil_scoped_release released;
    std::lock_guard<std::mutex> one_call(s.mu);
    return vanilla ? query_engine_vanilla(*s.qe, query, on_token) : query_engine_ask(*s.qe, query, on_token);
}

}  // namespace

void bind_rag(nb::module_ & m) {
    m.def(
        "index_build",
        [](const std::string & dataset, const std::string & out_dir, size_t limit, const std::string & embed_model,
           int chunk_size, int chunk_overlap, const std::string & mapping, bool append, bool offline) {
            IndexBuildParams p;
            p.dataset = dataset;
            p.out_dir = out_dir;
            p.limit = limit;
            p.embed.model = embed_model.empty() ? default_embedder_id() : embed_model;
            p.embed.query_instruction = default_query_instruction(p.embed.model);
            p.chunk_size = chunk_size;
            p.chunk_overlap = chunk_overlap;
            p.mapping = mapping;
            p.append = append;
            if (offline) p.embed.hub.offline = true;
            IndexBuildReport r;
            {
                nb::gil_scoped_release released;
                r = index_build(p);
            }
            return report_dict(r);
        },
        nb::arg("dataset"), nb::arg("out_dir"), nb::arg("limit") = 0, nb::arg("embed_model") = "",
        nb::arg("chunk_size") = 1024, nb::arg("chunk_overlap") = 200, nb::arg("mapping") = "", nb::arg("append") = false,
        nb::arg("offline") = false,
        "Index recipes (CSV/JSON/JSONL/Parquet file, or a Hub dataset id) into out_dir, as `ragppo index` does. "
        "Returns the report as a dict.");

    nb::enum_<ResponseMode>(m, "ResponseMode").value("Compact", ResponseMode::Compact).value("Refine", ResponseMode::Refine);

    nb::class_<SourceNode>(m, "SourceNode").def_ro("node", &SourceNode::node).def_ro("score", &SourceNode::cosine);

    nb::class_<Response>(m, "Response")
        .def_ro("query", &Response::query)
        .def_ro("answer", &Response::answer)
        .def_ro("vanilla", &Response::vanilla)
        .def_ro("sources", &Response::sources)
        .def_ro("llm_calls", &Response::llm_calls)
        .def_ro("prompt_tokens", &Response::prompt_tokens)
        .def_ro("completion_tokens", &Response::completion_tokens)
        .def_ro("stop", &Response::stop)
        .def_ro("retrieve_ms", &Response::retrieve_ms)
        .def_ro("llm_ms", &Response::llm_ms)
        .def_ro("total_ms", &Response::total_ms)
        .def("__str__", [](const Response & r) { return r.answer; });

    nb::class_<PyQueryEngine>(m, "QueryEngine",
                              "Retrieve the top-k recipes of an index and answer with the LLM (RAG), or the LLM alone.")
        .def(
            "__init__",
            [](PyQueryEngine * self, const std::string & index_dir, const std::string & llm, int similarity_top_k,
               ResponseMode response_mode, int n_ctx, int n_threads, bool verify, bool offline,
               std::optional<float> temperature, std::optional<float> top_p, std::optional<float> min_p,
               std::optional<float> repeat_penalty, std::optional<int> top_k, std::optional<int> max_new_tokens,
               std::optional<uint32_t> seed, std::optional<std::vector<std::string>> stop) {
                QueryEngineParams p;
                p.index_dir = index_dir;
                p.llm.model = llm;
                p.llm.n_ctx = n_ctx;
                p.top_k = similarity_top_k;
                p.mode = response_mode;
                p.n_threads = n_threads;
                p.verify_index = verify;
                if (offline) p.hub.offline = true;
                const SamplingArgs args{temperature, top_p, min_p, repeat_penalty, top_k, max_new_tokens, seed, stop};
                p.sampling = args.apply(default_sampling(llm));
                nb::gil_scoped_release released;
                new (self) PyQueryEngine{query_engine_load(p)};
            },
            nb::arg("index_dir"), nb::arg("llm") = "", nb::arg("similarity_top_k") = 3,
            nb::arg("response_mode") = ResponseMode::Compact, nb::arg("n_ctx") = 1024, nb::arg("n_threads") = 0,
            nb::arg("verify") = true, nb::arg("offline") = false, RAGPPO_SAMPLING_KWARGS,
            "index_dir: from `ragppo index` or index_build(). llm: a Hub id or .gguf path (\"\" = the embedded default). "
            "The LLM loads on the first ask/vanilla.")
        .def(
            "ask", [](PyQueryEngine & s, const std::string & q, const TokenCallback & on_token) { return answer(s, q, on_token, false); },
            nb::arg("query"), nb::arg("on_token").none() = nb::none(), "RAG: retrieve, then answer from the recipes.")
        .def(
            "vanilla", [](PyQueryEngine & s, const std::string & q, const TokenCallback & on_token) { return answer(s, q, on_token, true); },
            nb::arg("query"), nb::arg("on_token").none() = nb::none(), "The same LLM and sampling, the bare query.")
        .def(
            "retrieve",
            [](PyQueryEngine & s, const std::string & q, int k) {
                nb::gil_scoped_release released;
                std::lock_guard<std::mutex> one_call(s.mu);
                return query_engine_retrieve(*s.qe, q, k);
            },
            nb::arg("query"), nb::arg("k") = 0, "Retrieval only: the top-k sources (k 0 = similarity_top_k).")
        .def_prop_ro("embed_model", [](const PyQueryEngine & s) { return query_engine_manifest(*s.qe).info.embed_model; })
        .def_prop_ro("size", [](const PyQueryEngine & s) { return query_engine_manifest(*s.qe).n_nodes; });
}

}  // namespace ragppo::python
