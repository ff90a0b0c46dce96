// Seeded sampling of rows: the same seed picks the same rows on every machine and
// standard library (no std::uniform_int_distribution, whose output is unspecified).
#pragma once

#include "data/recipe.h"

#include <cstdint>
#include <vector>

namespace ragppo::data {

// n distinct indices of [0, population), in the order drawn (a partial Fisher-Yates
// shuffle driven by splitmix64). Throws ragppo::Error when n > population.
std::vector<size_t> sample_indices(size_t population, size_t n, uint64_t seed);

// n distinct recipes of `recipes`, in the order drawn.
std::vector<Recipe> sample_recipes(const std::vector<Recipe> & recipes, size_t n, uint64_t seed);

}  // namespace ragppo::data
