// ragppo's public API, data face (libragppo-rag; the loaders live in the core):
// recipes from a CSV / JSON array / JSON Lines / Parquet file or folder, or a Hub
// dataset's split, through a column mapping detected from the columns (presets for
// recipe_nlg_lite, RecipeNLG and the shared recipes.json) or given. Malformed rows
// are skipped and reported, one line each; over-long fields are cut, with a warning.
#pragma once

#include "ragppo.h"

#include <cstddef>
#include <string>
#include <vector>

namespace ragppo {

// Each text field of a dataset row is cut to this many bytes as it is read (a warning
// per row names the field); 0 = no limit.
inline constexpr size_t kDefaultMaxFieldBytes = 64 * 1024;

struct Recipe {
    std::string uid;          // the file's own id where it has one, else a stable hash of link or name and row
    std::string name;
    std::string ingredients;  // one string, list-valued sources joined
    std::string steps;        // one string, list-valued sources joined
    std::string link;
    std::vector<std::string> ner;  // ingredient names, for answer evaluation
};

// The document text of the reference setup, what the index embeds: name, ingredients
// and steps separated by a blank line with a space on each side.
std::string recipe_document_text(const Recipe & r);

struct RecipeLoadParams {
    std::string config;           // for Hub datasets: which config ("" = the default one)
    std::string split = "train";  // for Hub datasets: which split's files
    std::string mapping;          // "" = detect; "preset=recipenlg", "name=title,steps=directions", ...
    size_t limit = 0;             // stop after this many recipes; 0 = all
    size_t max_field_bytes = kDefaultMaxFieldBytes;
    HubParams hub;
};

struct RecipeLoad {
    std::vector<Recipe> recipes;
    size_t rows_read = 0;              // data rows looked at (recipes + skipped)
    std::string format;                // "csv", "json", "jsonl", "parquet"
    std::vector<std::string> skipped;  // "row 12 (line 14): missing name", in file order
    std::vector<std::string> cut;      // rows kept with a field cut to max_field_bytes
};

// Throws ragppo::Error (one line) when the dataset cannot be found or read, is empty,
// cannot be mapped, or has no usable recipe.
RecipeLoad recipes_load(const std::string & dataset, const RecipeLoadParams & params = {});

}  // namespace ragppo
