// Shared by the GPT-2 tests: the fixtures of scripts/fixtures/fx_gpt2_tiny.py
// and JSON -> tensor helpers.
#pragma once

#include "support/files.h"
#include "support/paths.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <fstream>
#include <stdexcept>

namespace ragppo::test {

// The tiny models gain nothing from intra-op threads, and on a loaded machine
// OpenMP's spinning workers turn each small op into a wait for a free core
// (seconds per test instead of milliseconds): the GPT-2 tests run on one.
inline void use_one_torch_thread() {
    static const bool once = (torch::set_num_threads(1), true);
    (void)once;
}

inline const nlohmann::json & gpt2_tiny_cases() {
    static const nlohmann::json j = read_fixture_json("gpt2_tiny_cases.json");
    return j;
}

inline const nlohmann::json & gpt2_tiny_batch(const std::string & name) {
    for (const auto & b : gpt2_tiny_cases()["batches"])
        if (b["name"] == name) return b;
    throw std::runtime_error("no batch " + name + " in gpt2_tiny_cases.json");
}

// A nested JSON array of numbers as a tensor of that shape.
inline torch::Tensor json_tensor(const nlohmann::json & j, torch::Dtype dtype) {
    std::vector<int64_t> shape;
    for (const nlohmann::json * level = &j; level->is_array(); level = &(*level)[0]) shape.push_back(level->size());
    std::vector<double> flat;
    auto collect = [&](auto && self, const nlohmann::json & node) -> void {
        if (node.is_array())
            for (const auto & child : node) self(self, child);
        else
            flat.push_back(node.get<double>());
    };
    collect(collect, j);
    return torch::tensor(flat, torch::kFloat64).view(shape).to(dtype);
}

}  // namespace ragppo::test
