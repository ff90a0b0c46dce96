#include "bindings.h"

#include "ragppo/index.h"
#include "ragppo/util.h"

#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <bit>
#include <string_view>

namespace ragppo::python {

namespace {

struct PyVectorStore {
    VectorStorePtr s;
    size_t dim;  // kept: vector_store_manifest counts the documents (every node) at each call
    bool exact;  // flat (exact) search: its cost is size x dim multiply-adds
    std::mutex mu;  // one call at a time (bindings.h)

    explicit PyVectorStore(VectorStorePtr store) : s(std::move(store)) {
        const IndexManifest m = vector_store_manifest(*s);
        dim = static_cast<size_t>(m.info.dim);
        exact = m.params.kind == IndexKind::Flat;
    }
};

// An exact search of up to this many values (nodes x dim) takes a few microseconds:
// less than handing the GIL to another thread and taking it back, which would be a
// third of the call's time. Larger stores, and HNSW, let other threads run meanwhile.
constexpr size_t kSearchUnderTheGil = size_t{1} << 20;

size_t dim_of(const PyVectorStore & s) { return s.dim; }

std::vector<float> checked_rows(std::vector<float> v, size_t rows, size_t dim, const char * what) {
    if (v.size() != rows * dim) {
        throw Error(std::string(what) + " has " + std::to_string(v.size()) + " values, expected " + std::to_string(rows) +
                    " x " + std::to_string(dim));
    }
    return v;
}

// A query is read on every search, so the usual one (numpy float32, C order) is read
// through the buffer protocol directly: a third of the binding's fixed cost went to
// nanobind's general ndarray import. Anything else (float64, a list) is converted by it.
std::vector<float> query_floats(nb::handle query, size_t dim) {
    Py_buffer view;
    if (PyObject_GetBuffer(query.ptr(), &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) == 0) {
        const std::string_view format = view.format ? view.format : "";
        const bool native = format == "f" || format == "=f" || format == "@f" ||
                            (format == "<f" && std::endian::native == std::endian::little);
        const bool f32 = view.itemsize == 4 && native && view.ndim >= 1 && view.ndim <= 2;
        std::vector<float> v;
        if (f32) v.assign(static_cast<const float *>(view.buf), static_cast<const float *>(view.buf) + view.len / 4);
        PyBuffer_Release(&view);
        if (f32) return checked_rows(std::move(v), 1, dim, "query");
    } else {
        PyErr_Clear();
    }
    nb::ndarray<float, nb::c_contig, nb::device::cpu> converted;
    if (!nb::try_cast(query, converted)) {
        throw nb::type_error(("search(): query must be a float32 array of " + std::to_string(dim) + " values, not " +
                              nb::cast<std::string>(nb::str(query.type().attr("__name__"))))
                                 .c_str());
    }
    return checked_rows(from_numpy(converted, "query"), 1, dim, "query");
}

}  // namespace

void bind_index(nb::module_ & m) {
    nb::class_<IndexNode>(m, "Node", "A chunk of a recipe in the store: its text and the recipe's uid, name and link.")
        .def(nb::init<>())
        .def(
            "__init__",
            [](IndexNode * n, const std::string & text, const std::string & uid, const std::string & name,
               const std::string & link, const std::string & id) { new (n) IndexNode{id, text, uid, name, link}; },
            nb::arg("text"), nb::arg("uid") = "", nb::arg("name") = "", nb::arg("link") = "", nb::arg("id") = "")
        .def_rw("id", &IndexNode::id, "sha256 of the text unless set")
        .def_rw("text", &IndexNode::text)
        .def_rw("uid", &IndexNode::uid)
        .def_rw("name", &IndexNode::name)
        .def_rw("link", &IndexNode::link)
        .def("__repr__", [](const IndexNode & n) { return "Node(name='" + n.name + "', uid='" + n.uid + "')"; });

    nb::class_<IndexHit>(m, "Hit")
        .def_ro("index", &IndexHit::index, "position of the node in the store")
        .def_ro("score", &IndexHit::score, "cosine similarity")
        .def_ro("node", &IndexHit::node);

    nb::class_<PyVectorStore>(m, "VectorStore",
                              "Nodes with their embeddings in a FAISS index (exact cosine), saved as a directory.")
        .def(
            "__init__",
            [](PyVectorStore * self, int dim, const std::string & embed_model) {
                if (dim < 1) throw Error("VectorStore: dim must be at least 1, got " + std::to_string(dim));
                IndexInfo info;
                info.dim = dim;
                info.embed_model = embed_model;
                new (self) PyVectorStore(vector_store_new(info));
            },
            nb::arg("dim"), nb::arg("embed_model") = "", "An empty in-memory store of `dim`-dimensional vectors.")
        .def_static(
            "load",
            [](const std::string & dir, bool verify) {
                IndexLoadParams p;
                p.verify = verify;
                nb::gil_scoped_release released;
                return new PyVectorStore(vector_store_load(dir, p));
            },
            nb::arg("dir"), nb::arg("verify") = true, "Load a saved index (`ragppo index`, or save()).")
        // Locked with the GIL held: safe here, a store's calls never take the GIL back.
        .def("__len__", [](PyVectorStore & s) {
            std::lock_guard<std::mutex> one_call(s.mu);
            return vector_store_size(*s.s);
        })
        .def_prop_ro("dim", &dim_of)
        .def_prop_ro("embed_model", [](const PyVectorStore & s) { return vector_store_manifest(*s.s).info.embed_model; })
        .def("node", [](PyVectorStore & s, size_t i) {
            std::lock_guard<std::mutex> one_call(s.mu);
            if (i >= vector_store_size(*s.s)) throw nb::index_error("node index out of range");
            return vector_store_node(*s.s, i);
        })
        .def(
            "add",
            [](PyVectorStore & s, const std::vector<IndexNode> & nodes, nb::ndarray<float, nb::c_contig, nb::device::cpu> vectors) {
                auto v = checked_rows(from_numpy(vectors, "vectors"), nodes.size(), dim_of(s), "vectors");
                nb::gil_scoped_release released;
                std::lock_guard<std::mutex> one_call(s.mu);
                return vector_store_add(*s.s, nodes, v);
            },
            nb::arg("nodes"), nb::arg("vectors"),
            "Add nodes with their [len(nodes), dim] vectors; nodes already present are skipped. Returns the count added.")
        .def(
            "save",
            [](PyVectorStore & s, const std::string & dir) {
                nb::gil_scoped_release released;
                std::lock_guard<std::mutex> one_call(s.mu);
                vector_store_save(*s.s, dir);
            },
            nb::arg("dir"), "Write the store to `dir`, atomically replacing what is there.")
        .def(
            "search",
            [](PyVectorStore & s, nb::handle query, int k) {
                auto q = query_floats(query, dim_of(s));
                {
                    // Never wait for the lock while holding the GIL: a busy store means release it.
                    std::unique_lock<std::mutex> quick(s.mu, std::try_to_lock);
                    if (quick.owns_lock() && s.exact && vector_store_size(*s.s) * s.dim <= kSearchUnderTheGil)
                        return vector_store_search(*s.s, q, k);
                }
                nb::gil_scoped_release released;
                std::lock_guard<std::mutex> one_call(s.mu);
                return vector_store_search(*s.s, q, k);
            },
            nb::arg("query"), nb::arg("k") = 3,
            nb::sig("def search(self, query: Annotated[NDArray[numpy.float32], dict(order='C', device='cpu')], "
                    "k: int = 3) -> list[Hit]"),
            "Top-k hits by cosine similarity, best first.")
        // For bench/ (the bindings' overhead, measured in one process): `calls` searches
        // as a C++ program makes them, row i % rows of `queries` the i-th query.
        .def(
            "_search_seconds_in_cpp",
            [](PyVectorStore & s, nb::ndarray<float, nb::c_contig, nb::device::cpu> queries, size_t calls, int k) {
                const size_t dim = dim_of(s);
                const std::vector<float> rows = checked_rows(from_numpy(queries, "queries"), queries.size() / dim, dim, "queries");
                const size_t n_rows = rows.size() / dim;
                if (n_rows == 0) throw Error("queries is empty");
                nb::gil_scoped_release released;
                std::lock_guard<std::mutex> one_call(s.mu);
                size_t found = 0;
                const auto t0 = Clock::now();
                for (size_t i = 0; i < calls; ++i) {
                    const size_t row = i % n_rows;
                    const std::vector<float> q(rows.begin() + row * dim, rows.begin() + (row + 1) * dim);
                    found += vector_store_search(*s.s, q, k).size();
                }
                const double seconds = ms_since(t0) / 1000.0;
                if (found == 0 && calls > 0) throw Error("the store is empty: the searches found nothing");
                return seconds;
            },
            nb::arg("queries"), nb::arg("calls"), nb::arg("k") = 3, "Seconds of `calls` top-k searches timed in C++ (for bench/).");
}

}  // namespace ragppo::python
