// The test recipes of an evaluation: drawn with a seed from a dataset (TestSetParams).
#pragma once

#include "data/recipe.h"
#include "ragppo/eval.h"

#include <vector>

namespace ragppo::eval {

// `test.sample` recipes drawn with `test.seed` (fewer when the dataset is smaller),
// the first `keep` of them.
std::vector<data::Recipe> draw_test_recipes(const TestSetParams & test, size_t keep);

}  // namespace ragppo::eval
