// The pieces of the `ragppo._core` extension module, one per face of the library
// (include/ragppo*.h); module.cpp calls each. Only the public headers are bound.
#pragma once

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <cstddef>
#include <mutex>
#include <vector>

namespace ragppo::python {

namespace nb = nanobind;

using FloatMatrix = nb::ndarray<nb::numpy, float, nb::ndim<2>>;
using FloatVector = nb::ndarray<nb::numpy, float, nb::ndim<1>>;

// Each Py* handle holds a mutex `mu`, taken in every call that releases the GIL
// (after releasing it: a token callback takes the GIL back while the call runs).
// Without it two Python threads, or a stream's worker and the code consuming it,
// could reach one llama.cpp context or FAISS index at once.

// A [rows x cols] float32 numpy array that owns `values` (no copy).
FloatMatrix to_numpy(std::vector<float> && values, size_t rows, size_t cols);
// A C-contiguous float32 array's values, row-major; `what` names it in errors.
std::vector<float> from_numpy(nb::ndarray<float, nb::c_contig, nb::device::cpu> a, const char * what);

void bind_embed(nb::module_ & m);   // Embedder
void bind_index(nb::module_ & m);   // VectorStore, Node, Hit
void bind_llm(nb::module_ & m);     // Generator, Generation
void bind_rag(nb::module_ & m);     // index_build, QueryEngine, Response
void bind_ppo(nb::module_ & m);     // ppo
void bind_system(nb::module_ & m);  // versions, CPU

}  // namespace ragppo::python
