#include "bindings.h"

#include "ragppo.h"

#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

namespace ragppo::python {

void bind_system(nb::module_ & m) {
    m.def("llama_cpp_version", &llama_cpp_version, "ggml's version and the pinned llama-cpp-python sdist release");
    m.def("libtorch_version", &libtorch_version, "libtorch's version (\"absent\" in a build without it)");
    m.def("cpu_model_name", &cpu_model_name);
    m.def("cpu_variant", [] { return cpu_backend_info().variant; },
          "The ggml CPU variant this process runs (\"zen4\", \"haswell\", ...)");
    m.def("default_llm_id", &default_llm_id, "The embedded default LLM (a Hub id in the bundled cache)");
    m.def("default_embedder_id", &default_embedder_id, "The embedded default embedding model");
}

}  // namespace ragppo::python
