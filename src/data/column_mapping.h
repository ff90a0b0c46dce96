// Which column of a recipe file feeds which Recipe field, and how list-valued cells
// are read and joined. Built-in presets cover the three layouts we meet; a layout is
// detected from the columns present, and a "field=column,..." spec overrides it.
#pragma once

#include "data/list_field.h"

#include <string>
#include <vector>

namespace ragppo::data {

struct FieldSpec {
    std::string column;                     // "" = not mapped
    ListFormat format = ListFormat::Auto;
    std::string join = " ";                 // between items when the field is one string
    std::string split;                      // ner only: separator of a plain-text list
};

struct ColumnMapping {
    std::string preset;  // the preset it started from ("custom" when none)
    FieldSpec uid, name, ingredients, steps, link, ner;
    bool trim = false;   // trim outer whitespace of names, links, uids and each joined item
};

// The presets, by name:
//   "recipe_nlg_lite": the Hub's m3hrdadfi/recipe_nlg_lite (uid, name, ingredients, steps, link, ner; all strings)
//   "recipes_json":    the shared recipes.json (title, ingredients[] of names, instructions[] split on " . ")
//   "recipenlg":       RecipeNLG's CSV (title, ingredients/directions as JSON lists, link, NER as a Python list)
//   "custom":          columns named like the Recipe fields, cells read in Auto format
const std::vector<std::string> & preset_names();
// Throws ragppo::Error for an unknown name.
ColumnMapping preset_mapping(const std::string & name);

// The first preset whose key columns are all present (case-insensitively), else "custom".
std::string detect_preset(const std::vector<std::string> & columns);

// Resolves the mapping for a file with `columns`: the preset named by "preset=<name>"
// in `spec` or else the detected one, then each "<field>=<column>" of `spec` (fields:
// uid, name, ingredients, steps, link, ner; an empty column unmaps the field). Column
// names are matched exactly, else case-insensitively, and rewritten to the file's
// spelling. Preset columns the file lacks are unmapped; a column named in `spec` that
// the file lacks, a malformed spec or an unmapped name is a ragppo::Error naming `what`.
ColumnMapping resolve_mapping(const std::vector<std::string> & columns, const std::string & spec,
                              const std::string & what);

// "name=title,ingredients=ingredients,..." for messages and the index manifest.
std::string describe_mapping(const ColumnMapping & m);

}  // namespace ragppo::data
