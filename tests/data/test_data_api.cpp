// The public data face (include/ragppo/data.h): recipes from the shared files, a
// limit, the document text, a malformed row reported, and one-line errors.
#include "ragppo/data.h"
#include "support/files.h"
#include "support/paths.h"

#include <gtest/gtest.h>

#include <fstream>

using namespace ragppo;

TEST(DataApi, LoadsTheSharedRecipesWithALimit) {
    const RecipeLoad all = recipes_load(test::shared_data("recipes/recipes.json"));
    EXPECT_EQ(all.recipes.size(), 400u);
    EXPECT_EQ(all.format, "json");
    EXPECT_TRUE(all.skipped.empty());
    RecipeLoadParams p;
    p.limit = 5;
    const RecipeLoad five = recipes_load(test::shared_data("recipes/recipes.json"), p);
    ASSERT_EQ(five.recipes.size(), 5u);
    EXPECT_EQ(five.recipes[0].name, all.recipes[0].name);
    EXPECT_EQ(five.recipes[0].uid, all.recipes[0].uid);  // stable ids
    const Recipe & r = five.recipes[0];
    EXPECT_EQ(recipe_document_text(r), r.name + " \n\n " + r.ingredients + " \n\n " + r.steps);
}

TEST(DataApi, AMalformedRowIsSkippedAndNamedAMissingFileIsAnError) {
    const std::string dir = test::make_temp_dir("ragppo_data_api_");
    {
        std::ofstream f(dir + "/r.csv");
        f << "name,ingredients,steps\n"
          << "pancakes,\"flour, milk\",mix and fry\n"
          << ",\"water\",boil\n"
          << "toast,bread,toast it\n";
    }
    const RecipeLoad load = recipes_load(dir + "/r.csv");
    EXPECT_EQ(load.format, "csv");
    EXPECT_EQ(load.rows_read, 3u);
    ASSERT_EQ(load.recipes.size(), 2u);
    EXPECT_EQ(load.recipes[1].name, "toast");
    ASSERT_EQ(load.skipped.size(), 1u);
    EXPECT_NE(load.skipped[0].find("row 2"), std::string::npos) << load.skipped[0];
    try {
        recipes_load(dir + "/missing.csv");
        FAIL() << "a missing file was accepted";
    } catch (const Error & e) {
        EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("missing.csv"), std::string::npos) << e.what();
    }
}
