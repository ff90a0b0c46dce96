#include "eval/test_set.h"

#include "data/dataset_files.h"
#include "data/recipe_loader.h"
#include "data/sampler.h"

#include <algorithm>

namespace ragppo::eval {

std::vector<data::Recipe> draw_test_recipes(const TestSetParams & test, size_t keep) {
    data::LoadOptions lo;
    lo.mapping = test.mapping;
    auto report = data::load_recipes(data::resolve_dataset_files(test.dataset, "", test.split, test.hub), lo);
    const size_t n = std::min(test.sample, report.recipes.size());
    auto drawn = data::sample_recipes(report.recipes, n, test.seed);
    if (drawn.size() > keep) drawn.resize(keep);
    return drawn;
}

}  // namespace ragppo::eval
