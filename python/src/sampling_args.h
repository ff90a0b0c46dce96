// Sampling settings from Python keyword arguments: None keeps the default the
// library picks for the model (default_sampling: the reference's, plus the
// embedded LLM's penalties).
#pragma once

#include "ragppo.h"

#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <optional>
#include <string>
#include <vector>

namespace ragppo::python {

struct SamplingArgs {
    std::optional<float> temperature, top_p, min_p, repeat_penalty;
    std::optional<int> top_k, max_new_tokens;
    std::optional<uint32_t> seed;
    std::optional<std::vector<std::string>> stop;

    SamplingParams apply(SamplingParams s) const {
        if (temperature) s.temperature = *temperature;
        if (top_p) s.top_p = *top_p;
        if (min_p) s.min_p = *min_p;
        if (repeat_penalty) s.repeat_penalty = *repeat_penalty;
        if (top_k) s.top_k = *top_k;
        if (max_new_tokens) s.max_new_tokens = *max_new_tokens;
        if (seed) s.seed = *seed;
        if (stop) s.stop = *stop;
        return s;
    }
};

// The keyword arguments, in SamplingArgs' order, for nb::def.
#define RAGPPO_SAMPLING_KWARGS                                                                                      \
    nb::arg("temperature").none() = nb::none(), nb::arg("top_p").none() = nb::none(),                              \
    nb::arg("min_p").none() = nb::none(), nb::arg("repeat_penalty").none() = nb::none(),                           \
    nb::arg("top_k").none() = nb::none(), nb::arg("max_new_tokens").none() = nb::none(),                           \
    nb::arg("seed").none() = nb::none(), nb::arg("stop").none() = nb::none()

}  // namespace ragppo::python
