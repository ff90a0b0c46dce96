// ragppo._core: the C++ library's public faces for Python (the `ragppo` package
// wraps it). Long calls release the GIL; callbacks (token streams, PPO steps) take
// it back while Python code runs. ragppo::Error becomes ragppo.Error (a
// RuntimeError) with the library's one-line message.
#include "bindings.h"

#include "ragppo.h"

namespace ragppo::python {

FloatMatrix to_numpy(std::vector<float> && values, size_t rows, size_t cols) {
    auto * owned = new std::vector<float>(std::move(values));
    nb::capsule owner(owned, [](void * p) noexcept { delete static_cast<std::vector<float> *>(p); });
    return FloatMatrix(owned->data(), {rows, cols}, owner);
}

std::vector<float> from_numpy(nb::ndarray<float, nb::c_contig, nb::device::cpu> a, const char * what) {
    if (a.ndim() < 1 || a.ndim() > 2) throw Error(std::string(what) + " must be a 1-D or 2-D float32 array");
    return std::vector<float>(a.data(), a.data() + a.size());
}

}  // namespace ragppo::python

NB_MODULE(_core, m) {
    using namespace ragppo::python;
    m.doc() = "ragppo: recipe RAG and PPO summarisation in one native library";
    nb::exception<ragppo::Error>(m, "Error", PyExc_RuntimeError);
    bind_system(m);
    bind_embed(m);
    bind_index(m);
    bind_llm(m);
    bind_rag(m);
    bind_ppo(m);
}
