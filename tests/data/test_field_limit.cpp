// The per-field byte limit applied as recipe rows are read (data/field_limit.h): a
// 10 MB ingredients cell is cut to 64 KiB at a character boundary, the row is reported
// once naming the field, and every other row and field is left exactly as it was.
#include "data/recipe_loader.h"
#include "support/files.h"
#include "support/paths.h"
#include "text/utf8.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

using namespace ragppo;
using namespace ragppo::data;
namespace fs = std::filesystem;

namespace {

// ASCII with 2-, 3- and 4-byte characters at every offset modulo 4, so some cut
// always falls inside a character.
std::string mixed_text(size_t min_bytes) {
    std::string s;
    while (s.size() < min_bytes) s += "flour \xC3\xA9 sugar \xE2\x82\xAC salt \xF0\x9F\x8D\xB0, ";
    return s;
}

fs::path temp_dir() {
    static const fs::path dir = test::make_temp_dir("ragppo_field_limit_");
    return dir;
}

}  // namespace

TEST(FieldLimit, Utf8PrefixNeverEndsInsideACharacter) {
    const std::string s = mixed_text(200);
    for (size_t max = 0; max <= s.size() + 2; ++max) {
        const size_t n = text::utf8_prefix_bytes(s, max);
        ASSERT_LE(n, std::min(max, s.size())) << max;
        EXPECT_GE(n + 3, std::min(max, s.size())) << max;  // at most one character (<= 3 bytes) short
        EXPECT_TRUE(test::valid_utf8(s.substr(0, n))) << max;
    }
    EXPECT_EQ(text::utf8_prefix_bytes("abc", 10), 3u);
    EXPECT_EQ(text::utf8_prefix_bytes("\xE2\x82\xAC", 2), 0u);  // a lone 3-byte character that does not fit
}

TEST(FieldLimit, ATenMegabyteFieldIsCutAtACharacterBoundaryWithOneNotePerRow) {
    const std::string huge = mixed_text(10 << 20) + "end";  // no trailing space: this layout trims
    const nlohmann::json cell = nlohmann::json::array({huge});
    const fs::path csv = temp_dir() / "huge.csv";
    // RecipeNLG layout: list cells are JSON arrays inside quoted CSV fields.
    std::string quoted = cell.dump();
    for (size_t i = 0; (i = quoted.find('"', i)) != std::string::npos; i += 2) quoted.insert(i, "\"");
    test::write_file(csv, "title,ingredients,directions,link,source,NER\n"
                          "Huge cake,\"" + quoted + "\",\"[\"\"bake\"\"]\",l1,Gathered,[]\n"
                          "Toast,\"[\"\"bread\"\"]\",\"[\"\"toast it\"\"]\",l2,Gathered,[]\n");

    const auto rep = load_recipes(csv.string());
    ASSERT_EQ(rep.recipes.size(), 2u);
    const Recipe & r = rep.recipes[0];
    EXPECT_LE(r.ingredients.size(), kDefaultMaxFieldBytes);
    EXPECT_GT(r.ingredients.size() + 4, kDefaultMaxFieldBytes);
    EXPECT_TRUE(test::valid_utf8(r.ingredients));
    EXPECT_EQ(huge.compare(0, r.ingredients.size(), r.ingredients), 0);  // a prefix of the original
    EXPECT_EQ(r.steps, "bake");
    EXPECT_EQ(rep.recipes[1].ingredients, "bread");

    ASSERT_EQ(rep.cut.size(), 1u);
    EXPECT_EQ(rep.cut[0].row, 1u);
    EXPECT_EQ(rep.cut[0].line, 2u);
    EXPECT_EQ(describe(rep.cut[0]), "row 1 (line 2): ingredients cut to " + std::to_string(r.ingredients.size()) +
                                        " of " + std::to_string(huge.size()) + " bytes");

    // 0 = no limit: the field as it is.
    LoadOptions whole;
    whole.max_field_bytes = 0;
    const auto full = load_recipes(csv.string(), whole);
    EXPECT_EQ(full.recipes[0].ingredients, huge);
    EXPECT_TRUE(full.cut.empty());
}

TEST(FieldLimit, EveryTextFieldAndTheNerListAreCappedAndNamedInOneLine) {
    const std::string long_text = mixed_text(500);
    nlohmann::json ner = nlohmann::json::array();
    for (int i = 0; i < 100; ++i) ner.push_back("ingredient " + std::to_string(i));
    const nlohmann::json rows = nlohmann::json::array({
        {{"title", long_text}, {"ingredients", ner}, {"instructions", {long_text, "then serve"}}},
        {{"title", "short"}, {"ingredients", {"egg"}}, {"instructions", {"boil"}}},
    });
    const fs::path path = temp_dir() / "fields.json";
    test::write_file(path, rows.dump());

    LoadOptions o;
    o.max_field_bytes = 100;
    const auto rep = load_recipes(path.string(), o);
    ASSERT_EQ(rep.recipes.size(), 2u);
    const Recipe & r = rep.recipes[0];
    for (const std::string * f : {&r.name, &r.ingredients, &r.steps}) {
        EXPECT_LE(f->size(), 100u);
        EXPECT_GT(f->size(), 96u);
        EXPECT_TRUE(test::valid_utf8(*f));
    }
    size_t ner_bytes = 0;
    for (const auto & x : r.ner) ner_bytes += x.size();
    EXPECT_LE(ner_bytes, 100u);
    ASSERT_FALSE(r.ner.empty());
    EXPECT_EQ(r.ner.front(), "ingredient 0");

    ASSERT_EQ(rep.cut.size(), 1u);  // one line for the row, naming each field
    const std::string line = describe(rep.cut[0]);
    for (const char * field : {"name cut to", "ingredients cut to", "steps cut to", "ner cut to"})
        EXPECT_NE(line.find(field), std::string::npos) << line;
    EXPECT_EQ(line.find('\n'), std::string::npos);
    EXPECT_EQ(rep.recipes[1].name, "short");
}
