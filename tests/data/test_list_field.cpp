// List-valued cells: Python list literals (as ast.literal_eval reads them), JSON lists
// and plain text.
#include "data/list_field.h"
#include "data/python_list.h"

#include <gtest/gtest.h>

using namespace ragppo::data;
using Items = std::vector<std::string>;

TEST(PythonList, QuotesEscapesAndConcatenation) {
    EXPECT_EQ(parse_python_str_list("['cream cheese', 'salmon']"), (Items{"cream cheese", "salmon"}));
    // repr() switches to double quotes for a str holding an apostrophe.
    EXPECT_EQ(parse_python_str_list("['onion', \"Ida O'Brien potatoes\"]"), (Items{"onion", "Ida O'Brien potatoes"}));
    EXPECT_EQ(parse_python_str_list("[]"), Items{});
    EXPECT_EQ(parse_python_str_list("  [ 'a' , ]  "), Items{"a"});
    EXPECT_EQ(parse_python_str_list("['it\\'s', 'tab\\there', 'nl\\n', 'back\\\\slash']"),
              (Items{"it's", "tab\there", "nl\n", "back\\slash"}));
    EXPECT_EQ(parse_python_str_list("['caf\\xe9', '\\u00b0F', '\\U0001F600', '\\101']"),
              (Items{"caf\xC3\xA9", "\xC2\xB0" "F", "\xF0\x9F\x98\x80", "A"}));
    EXPECT_EQ(parse_python_str_list("['ab' \"cd\", u'x', r'\\d']"), (Items{"abcd", "x", "\\d"}));
    EXPECT_EQ(parse_python_str_list("['''tri'ple''']"), Items{"tri'ple"});
    EXPECT_EQ(parse_python_str_list("['unknown \\q escape']"), Items{"unknown \\q escape"});
    EXPECT_EQ(parse_python_str_list("['\xC3\xA9t\xC3\xA9']"), Items{"\xC3\xA9t\xC3\xA9"});
}

TEST(PythonList, RejectsWhatLiteralEvalWouldNotGiveAsAListOfStr) {
    for (const char * bad : {"", "'a'", "['a'", "['a' 'b'", "[1, 2]", "['a'] x", "[b'a']", "['a\nb']",
                             "[\"unterminated]", "['\\x4']", "['\\ud800']", "[None]", "['a',, 'b']"}) {
        EXPECT_THROW(parse_python_str_list(bad), std::invalid_argument) << bad;
    }
}

TEST(CellItems, FormatsAndFallbacks) {
    using nlohmann::json;
    EXPECT_EQ(cell_items(json("[\"8 oz. cream cheese\", \"1 Tbsp. lemon juice\"]"), ListFormat::Json),
              (Items{"8 oz. cream cheese", "1 Tbsp. lemon juice"}));
    EXPECT_EQ(cell_items(json("[\"Mix; bake at 325\\u00b0.\"]"), ListFormat::Json), Items{"Mix; bake at 325\xC2\xB0."});
    EXPECT_THROW(cell_items(json("['a']"), ListFormat::Json), std::invalid_argument);
    EXPECT_THROW(cell_items(json("not a list"), ListFormat::Python), std::invalid_argument);
    EXPECT_EQ(cell_items(json::array({"a", 2, nullptr, "b"}), ListFormat::Plain), (Items{"a", "2", "b"}));
    EXPECT_THROW(cell_items(json::array({json::array({"nested"})}), ListFormat::Auto), std::invalid_argument);
    // Auto: a JSON list, then a Python list, then the text as it is.
    EXPECT_EQ(cell_items(json("[\"x\", \"y\"]"), ListFormat::Auto), (Items{"x", "y"}));
    EXPECT_EQ(cell_items(json("['x', 'y']"), ListFormat::Auto), (Items{"x", "y"}));
    EXPECT_EQ(cell_items(json("[optional] garnish"), ListFormat::Auto), Items{"[optional] garnish"});
    EXPECT_EQ(cell_items(json("[broken'"), ListFormat::Auto), Items{"[broken'"});
    EXPECT_EQ(cell_items(json("salt, pepper ,, oil"), ListFormat::Auto, ","), (Items{"salt", "pepper", "oil"}));
    EXPECT_EQ(cell_items(json(nullptr), ListFormat::Auto), Items{});
    EXPECT_EQ(cell_items(json(3.5), ListFormat::Plain), Items{"3.5"});
    EXPECT_EQ(join_items({" a ", "b"}, " . ", false), " a  . b");
    EXPECT_EQ(join_items({" a ", "b"}, " . ", true), "a . b");
}
