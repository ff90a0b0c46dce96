// Python list-of-str literals, read the way ast.literal_eval reads them: RecipeNLG
// samples saved through pandas after ast.literal_eval store NER as ['a', "b's"].
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ragppo::data {

// Parses `[ 'a', "b", ... ]` (any of ' " ''' """, r/u prefixes, escapes, adjacent
// literals concatenated, an optional trailing comma). Throws std::invalid_argument
// naming the problem when the text is not a list of str literals.
std::vector<std::string> parse_python_str_list(std::string_view text);

}  // namespace ragppo::data
