// Loading the shared recipe files and small hand-made ones: row counts, field values
// of known rows, layout detection and overrides, and malformed-row reporting.
#include "data/recipe_loader.h"
#include "ragppo.h"
#include "support/paths.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

using namespace ragppo;
using namespace ragppo::data;
using Items = std::vector<std::string>;

namespace {

std::string write_temp(const std::string & name, const std::string & bytes) {
    static const std::string dir = test::make_temp_dir("ragppo-data-");
    const std::string path = dir + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
}

const Recipe & by_name(const std::vector<Recipe> & rs, const std::string & name) {
    auto it = std::find_if(rs.begin(), rs.end(), [&](const Recipe & r) { return r.name == name; });
    if (it == rs.end()) throw std::runtime_error("no recipe named " + name);
    return *it;
}

std::string error_of(const std::string & path, const LoadOptions & o = {}) {
    try {
        load_recipes(path, o);
    } catch (const Error & e) {
        return e.what();
    }
    return "(no error)";
}

const char * kHeader = "title,ingredients,directions,link,source,NER\n";

}  // namespace

TEST(RecipeLoader, SharedRecipesJson) {
    const auto rep = load_recipes(test::shared_data("recipes/recipes.json"));
    EXPECT_EQ(rep.format, FileFormat::JsonArray);
    EXPECT_EQ(rep.mapping.preset, "recipes_json");
    ASSERT_EQ(rep.recipes.size(), 400u);
    EXPECT_EQ(rep.rows_read, 400u);
    EXPECT_TRUE(rep.skipped.empty());

    const Recipe & r = rep.recipes.front();
    EXPECT_EQ(r.name, "greek chicken burgers with lemon pepper yogurt sauce");
    EXPECT_EQ(r.ingredients.rfind("mayonnaise, greek style yogurt, mccormick perfect pinch lemon and pepper seasoning, ", 0), 0u);
    EXPECT_EQ(r.steps.rfind("mix mayonnaise, yogurt and 1 teaspoon of the seasoning in small bowl until well blended . "
                            "cover . refrigerate until ready to serve . ", 0), 0u);
    ASSERT_EQ(r.ner.size(), 12u);
    EXPECT_EQ(r.ner[0], "mayonnaise");
    EXPECT_EQ(r.ner[11], "cucumber");
    EXPECT_EQ(r.link, "");
    EXPECT_EQ(r.uid.size(), 16u);
    EXPECT_EQ(document_text(r), r.name + " \n\n " + r.ingredients + " \n\n " + r.steps);
    EXPECT_EQ(rep.recipes.back().name, "how to make fluffy moist scrambled eggs");

    // uids: unique, and the same on a second load.
    std::vector<std::string> uids;
    for (const auto & x : rep.recipes) uids.push_back(x.uid);
    std::sort(uids.begin(), uids.end());
    EXPECT_EQ(std::unique(uids.begin(), uids.end()), uids.end());
    EXPECT_EQ(load_recipes(test::shared_data("recipes/recipes.json")).recipes[7].uid, rep.recipes[7].uid);

    // The demo's entry point, with a limit.
    const auto first = load_recipes_json(test::shared_data("recipes/recipes.json"), 3);
    ASSERT_EQ(first.size(), 3u);
    EXPECT_EQ(first[0].name, r.name);
}

TEST(RecipeLoader, SharedRecipeNlgCsv) {
    const auto rep = load_recipes(test::shared_data("recipes/recipenlg_sample.csv"));
    EXPECT_EQ(rep.format, FileFormat::Csv);
    EXPECT_EQ(rep.mapping.preset, "recipenlg");
    ASSERT_EQ(rep.recipes.size(), 1600u);
    EXPECT_TRUE(rep.skipped.empty()) << describe(rep.skipped.front());

    const Recipe & r = rep.recipes.front();
    EXPECT_EQ(r.name, "Salmon Party Ball");
    EXPECT_EQ(r.ingredients, "8 oz. cream cheese, 1 lb. can salmon, flaked, remove bone and dark meat, 1 Tbsp. lemon juice, "
                             "2 tsp. horseradish, 1/2 tsp. liquid smoke, 1 Tbsp. minced onion, 1/4 tsp. salt, chopped nuts, "
                             "parsley flakes");
    EXPECT_EQ(r.steps, "Combine cheese, juice, onion and seasoning. Then add salmon. Chill 2 hours. Shape mixture into ball. "
                       "Roll in nuts and parsley. Serve with crackers.");
    EXPECT_EQ(r.link, "www.cookbooks.com/Recipe-Details.aspx?id=336270");
    EXPECT_EQ(r.ner, (Items{"cream cheese", "salmon", "lemon juice", "horseradish", "liquid smoke", "onion", "salt",
                            "nuts", "parsley flakes"}));
    EXPECT_EQ(r.uid, "5a355d2a4d388e4d");  // sha256("link\n" + link), first 16 hex digits

    EXPECT_EQ(rep.recipes[1].steps, "Mix; bake at 325\xC2\xB0.");  // \u00b0 decoded to a degree sign
    // NER written by Python's repr with double quotes around an apostrophe.
    EXPECT_EQ(rep.recipes[189].name, "Potato Casserole");
    EXPECT_EQ(rep.recipes[189].ner.back(), "Ida O'Brien potatoes");
    EXPECT_EQ(rep.recipes[189].ner.size(), 7u);
    EXPECT_TRUE(rep.recipes[1280].ner.empty());  // NER "[]", unquoted in the CSV
    EXPECT_EQ(rep.recipes[1280].name, "Pork Shoulder Roast");
    EXPECT_EQ(rep.recipes[29].name, "Quick Coffee Cake(Double Recipe)");  // two trailing spaces trimmed
    EXPECT_EQ(rep.recipes.back().name, "Odell And Cindy'S Ice Cream");
    EXPECT_EQ(rep.recipes.back().link, "www.cookbooks.com/Recipe-Details.aspx?id=972621");
}

TEST(RecipeLoader, LimitStopsEarly) {
    LoadOptions o;
    o.limit = 10;
    const auto rep = load_recipes(test::shared_data("recipes/recipenlg_sample.csv"), o);
    EXPECT_EQ(rep.recipes.size(), 10u);
    EXPECT_EQ(rep.rows_read, 10u);
}

TEST(RecipeLoader, RecipeNlgLiteLayoutKeepsCellsAsTheyAre) {
    const std::string path = write_temp("lite.csv",
        "uid,name,description,link,ner,ingredients,steps\n"
        "000002c809f70f84,pork chop noodle soup,a soup,https://x/1,\"pork, noodles, onion\","
        "\"3.0 bone in pork chops, salt, pepper\",season pork chops with salt and pepper . heat oil \n");
    const auto rep = load_recipes(path);
    EXPECT_EQ(rep.mapping.preset, "recipe_nlg_lite");
    ASSERT_EQ(rep.recipes.size(), 1u);
    const Recipe & r = rep.recipes[0];
    EXPECT_EQ(r.uid, "000002c809f70f84");
    EXPECT_EQ(r.ingredients, "3.0 bone in pork chops, salt, pepper");
    EXPECT_EQ(r.steps, "season pork chops with salt and pepper . heat oil ");  // untrimmed, as the reference
    EXPECT_EQ(r.ner, (Items{"pork", "noodles", "onion"}));
    EXPECT_EQ(document_text(r), "pork chop noodle soup \n\n 3.0 bone in pork chops, salt, pepper \n\n "
                                "season pork chops with salt and pepper . heat oil ");
}

TEST(RecipeLoader, JsonLinesWithBadLines) {
    const std::string path = write_temp("r.jsonl",
        "{\"title\": \"A\", \"ingredients\": [\"x\"], \"instructions\": [\"s1\", \"s2\"]}\n"
        "\n"
        "{not json}\n"
        "[1, 2]\n"
        "{\"title\": \"B\", \"ingredients\": [], \"instructions\": []}\n");
    const auto rep = load_recipes(path);
    EXPECT_EQ(rep.format, FileFormat::JsonLines);
    ASSERT_EQ(rep.recipes.size(), 2u);
    EXPECT_EQ(rep.recipes[0].steps, "s1 . s2");
    EXPECT_EQ(rep.recipes[1].name, "B");
    ASSERT_EQ(rep.skipped.size(), 2u);
    EXPECT_EQ(rep.skipped[0].row, 2u);
    EXPECT_EQ(rep.skipped[0].line, 3u);
    EXPECT_NE(rep.skipped[0].message.find("invalid JSON"), std::string::npos);
    EXPECT_EQ(describe(rep.skipped[1]), "row 3 (line 4): not a JSON object but array");
}

TEST(RecipeLoader, MalformedCsvRowsAreSkippedWithRowNumbers) {
    const std::string good = "Good,\"[\"\"a\"\"]\",\"[\"\"b\"\"]\",l1,Gathered,['a']\n";
    const std::string path = write_temp("bad.csv", std::string(kHeader) +
        good +                                                       // row 1, line 2
        "Bad\"Quote,[],[],l2,Gathered,[]\n" +                        // row 2, line 3: bad quoting
        ",\"[\"\"a\"\"]\",[],l3,Gathered,[]\n" +                     // row 3, line 4: missing name
        "Bytes \xFF,[],[],l4,Gathered,[]\n" +                        // row 4, line 5: invalid UTF-8
        "Short,[],[]\n" +                                            // row 5, line 6: wrong field count
        "BadNer,[],[],l6,Gathered,\"['unterminated]\"\n" +           // row 6, line 7: NER not a list
        "\"Multi\nLine\",[],[],l7,Gathered,[]\n" +                   // row 7, lines 8-9: fine
        "Last,[],[],l8,Gathered,[]\n");                              // row 8, line 10
    const auto rep = load_recipes(path);
    EXPECT_EQ(rep.rows_read, 8u);
    ASSERT_EQ(rep.recipes.size(), 3u);
    EXPECT_EQ(rep.recipes[0].name, "Good");
    EXPECT_EQ(rep.recipes[1].name, "Multi\nLine");
    EXPECT_EQ(rep.recipes[2].name, "Last");
    ASSERT_EQ(rep.skipped.size(), 5u);
    const std::vector<std::pair<size_t, size_t>> where = {{2, 3}, {3, 4}, {4, 5}, {5, 6}, {6, 7}};
    for (size_t i = 0; i < where.size(); ++i) {
        EXPECT_EQ(rep.skipped[i].row, where[i].first) << describe(rep.skipped[i]);
        EXPECT_EQ(rep.skipped[i].line, where[i].second) << describe(rep.skipped[i]);
    }
    EXPECT_NE(rep.skipped[0].message.find("bad quoting"), std::string::npos);
    EXPECT_NE(rep.skipped[1].message.find("missing name"), std::string::npos);
    EXPECT_NE(rep.skipped[2].message.find("invalid UTF-8"), std::string::npos);
    EXPECT_EQ(rep.skipped[3].message, "wrong field count: 3 fields, the header has 6");
    EXPECT_NE(rep.skipped[4].message.find("ner (column NER)"), std::string::npos) << rep.skipped[4].message;
}

TEST(RecipeLoader, FileLevelErrorsAreOneLine) {
    const auto one_line = [](const std::string & m) { return m.find('\n') == std::string::npos; };
    std::string m = error_of(write_temp("empty.csv", ""));
    EXPECT_NE(m.find("empty"), std::string::npos) << m;
    m = error_of(write_temp("blank.json", " \n\n "));
    EXPECT_NE(m.find("empty"), std::string::npos) << m;
    m = error_of(test::shared_data("recipes/does-not-exist.csv"));
    EXPECT_NE(m.find("cannot read"), std::string::npos) << m;
    m = error_of(write_temp("header.csv", kHeader));
    EXPECT_NE(m.find("no data rows"), std::string::npos) << m;
    m = error_of(write_temp("nameless.csv", std::string(kHeader) + ",[],[],l,G,[]\n,[],[],m,G,[]\n"));
    EXPECT_NE(m.find("no usable recipes"), std::string::npos) << m;
    EXPECT_NE(m.find("row 1 (line 2): missing name"), std::string::npos) << m;
    m = error_of(write_temp("broken.json", "[{\"title\": \"a\",\n}"));
    EXPECT_NE(m.find("malformed JSON"), std::string::npos) << m;
    EXPECT_TRUE(one_line(m)) << m;
    m = error_of(write_temp("object.json", "{\"title\": \"a\"}"), LoadOptions{0, "", FileFormat::JsonArray});
    EXPECT_NE(m.find("expected a JSON array"), std::string::npos) << m;
    m = error_of(write_temp("unknown.csv", "foo,bar\n1,2\n"));
    EXPECT_NE(m.find("cannot tell which column"), std::string::npos) << m;
    EXPECT_NE(m.find("columns: foo, bar"), std::string::npos) << m;
}

TEST(RecipeLoader, ExplicitMappingOverridesDetection) {
    const std::string path = write_temp("renamed.csv",
        "dish,what,how,url\n"
        "Tea,\"[\"\"water\"\", \"\"tea leaves\"\"]\",\"['Boil.', 'Steep.']\",www.example.com/tea\n");
    LoadOptions o;
    o.mapping = "name=dish, ingredients=what ,steps=how,link=url";
    const auto rep = load_recipes(path, o);
    ASSERT_EQ(rep.recipes.size(), 1u);
    EXPECT_EQ(rep.mapping.preset, "custom+mapping");
    EXPECT_EQ(rep.recipes[0].name, "Tea");
    EXPECT_EQ(rep.recipes[0].ingredients, "water, tea leaves");  // JSON list
    EXPECT_EQ(rep.recipes[0].steps, "Boil. Steep.");             // Python list
    EXPECT_EQ(rep.recipes[0].link, "www.example.com/tea");

    // Over a detected preset: the shared CSV with its links as names.
    o.mapping = "name=link,ner=";
    o.limit = 1;
    const auto over = load_recipes(test::shared_data("recipes/recipenlg_sample.csv"), o);
    EXPECT_EQ(over.mapping.preset, "recipenlg+mapping");
    EXPECT_EQ(over.recipes[0].name, "www.cookbooks.com/Recipe-Details.aspx?id=336270");
    EXPECT_TRUE(over.recipes[0].ner.empty());
    EXPECT_EQ(over.recipes[0].steps.rfind("Combine cheese", 0), 0u);

    // An explicit preset, and the mistakes a user can make.
    o = LoadOptions{};
    o.mapping = "preset=recipenlg";
    EXPECT_EQ(load_recipes(test::shared_data("recipes/recipenlg_sample.csv"), o).mapping.preset, "recipenlg");
    for (const char * bad : {"name=nope", "colour=title", "name", "preset=nope"}) {
        o.mapping = bad;
        EXPECT_THROW(load_recipes(test::shared_data("recipes/recipenlg_sample.csv"), o), Error) << bad;
    }
}

TEST(ColumnMapping, DetectsPresetsByColumns) {
    EXPECT_EQ(detect_preset({"uid", "name", "description", "link", "ner", "ingredients", "steps"}), "recipe_nlg_lite");
    EXPECT_EQ(detect_preset({"title", "ingredients", "directions", "link", "source", "NER"}), "recipenlg");
    EXPECT_EQ(detect_preset({"Title", "Ingredients", "Directions"}), "recipenlg");
    EXPECT_EQ(detect_preset({"title", "ingredients", "instructions", "cuisine"}), "recipes_json");
    EXPECT_EQ(detect_preset({"a", "b"}), "custom");
    const auto m = resolve_mapping({"Title", "Ingredients", "Directions"}, "", "f");
    EXPECT_EQ(m.name.column, "Title");  // rewritten to the file's spelling
    EXPECT_EQ(m.link.column, "");       // preset column the file lacks
    EXPECT_EQ(describe_mapping(m), "preset=recipenlg,name=Title,ingredients=Ingredients,steps=Directions");
}
