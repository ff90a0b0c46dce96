#include "data/sampler.h"
#include "ragppo.h"

#include <numeric>
#include <utility>

namespace ragppo::data {

namespace {

// splitmix64: tiny, fully specified, good enough to pick evaluation rows.
struct SplitMix64 {
    uint64_t state;
    uint64_t next() {
        uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // Uniform in [0, bound) by rejection, so no value is favoured.
    uint64_t below(uint64_t bound) {
        const uint64_t threshold = (0 - bound) % bound;
        for (;;) {
            const uint64_t r = next();
            if (r >= threshold) return r % bound;
        }
    }
};

}  // namespace

std::vector<size_t> sample_indices(size_t population, size_t n, uint64_t seed) {
    if (n > population) {
        throw Error("cannot sample " + std::to_string(n) + " distinct rows from " + std::to_string(population));
    }
    std::vector<size_t> idx(population);
    std::iota(idx.begin(), idx.end(), size_t{0});
    SplitMix64 rng{seed};
    for (size_t i = 0; i < n; ++i) std::swap(idx[i], idx[i + rng.below(population - i)]);
    idx.resize(n);
    return idx;
}

std::vector<Recipe> sample_recipes(const std::vector<Recipe> & recipes, size_t n, uint64_t seed) {
    std::vector<Recipe> out;
    out.reserve(n);
    for (size_t i : sample_indices(recipes.size(), n, seed)) out.push_back(recipes[i]);
    return out;
}

}  // namespace ragppo::data
