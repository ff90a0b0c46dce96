// Seeded sampling: reproducible, distinct, and sensitive to the seed.
#include "data/recipe_loader.h"
#include "data/sampler.h"
#include "ragppo.h"
#include "support/paths.h"

#include <gtest/gtest.h>

#include <set>

using namespace ragppo;

TEST(Sampler, SameSeedSameRowsDistinctAndInRange) {
    const auto a = data::sample_indices(1600, 20, 42);
    EXPECT_EQ(a, data::sample_indices(1600, 20, 42));
    ASSERT_EQ(a.size(), 20u);
    EXPECT_EQ(std::set<size_t>(a.begin(), a.end()).size(), 20u);
    for (size_t i : a) EXPECT_LT(i, 1600u);
    EXPECT_NE(a, data::sample_indices(1600, 20, 43));
    // Fixed values (checked against a Python transcription of the same splitmix64 +
    // Fisher-Yates draw): the draw must not depend on the platform or standard library.
    EXPECT_EQ(data::sample_indices(10, 3, 7), (std::vector<size_t>{7, 0, 4}));
    EXPECT_EQ(data::sample_indices(1600, 5, 42), (std::vector<size_t>{213, 1211, 42, 408, 38}));
    const auto all = data::sample_indices(50, 50, 1);
    EXPECT_EQ(std::set<size_t>(all.begin(), all.end()).size(), 50u);
    EXPECT_TRUE(data::sample_indices(5, 0, 1).empty());
    EXPECT_THROW(data::sample_indices(5, 6, 1), Error);
}

TEST(Sampler, SamplesRecipes) {
    const auto recipes = data::load_recipes(test::shared_data("recipes/recipenlg_sample.csv")).recipes;
    const auto a = data::sample_recipes(recipes, 20, 2024);
    const auto b = data::sample_recipes(recipes, 20, 2024);
    ASSERT_EQ(a.size(), 20u);
    std::set<std::string> uids;
    for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].uid, b[i].uid);
        uids.insert(a[i].uid);
    }
    EXPECT_EQ(uids.size(), 20u);
    EXPECT_NE(a[0].uid, data::sample_recipes(recipes, 20, 2025)[0].uid);
}
