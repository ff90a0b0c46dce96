// Turning one cell of a recipe file into items or text, whatever shape it was stored
// in: a JSON array value, or a string holding a JSON list, a Python list literal, or
// plain text.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace ragppo::data {

enum class ListFormat {
    Auto,    // a string that looks like [...] is read as a JSON list, else a Python list, else plain text
    Json,    // the string must be a JSON list
    Python,  // the string must be a Python list literal
    Plain,   // the string is the value as it is
};

// The items of a cell. A JSON array's items are taken as they are (numbers written
// out, nulls dropped); a string is read per `format`; plain text is one item, or, when
// `split` is not empty, the pieces between `split`s, trimmed, empty ones dropped.
// Null or a missing cell gives no items. Throws std::invalid_argument when the cell
// does not have the required format (nested lists, a malformed list literal).
std::vector<std::string> cell_items(const nlohmann::json & cell, ListFormat format, const std::string & split = "");

// The items joined by `sep`, each trimmed of outer whitespace first when `trim`.
std::string join_items(const std::vector<std::string> & items, const std::string & sep, bool trim);

// Outer ASCII whitespace removed.
std::string trim_ascii(const std::string & s);

}  // namespace ragppo::data
