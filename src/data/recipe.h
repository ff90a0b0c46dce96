// A recipe as the RAG pipeline sees it, whatever file it came from.
#pragma once

#include "ragppo/data.h"

#include <string>
#include <vector>

namespace ragppo::data {

using ragppo::Recipe;  // include/ragppo/data.h


// The document text of the reference setup: name, ingredients and steps
// separated by a blank line with a space on each side.
inline std::string document_text(const Recipe & r) {
    return r.name + " \n\n " + r.ingredients + " \n\n " + r.steps;
}

// The recipes of a local CSV / JSON / JSONL / Parquet file in any layout load_recipes
// (recipe_loader.h) detects, e.g. ../shared/data/recipes/recipes.json; `limit` 0 = all.
// Skipped rows are not reported here: use load_recipes for the report.
std::vector<Recipe> load_recipes_json(const std::string & path, size_t limit = 0);

}  // namespace ragppo::data
