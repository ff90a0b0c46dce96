// A recipe as the RAG pipeline sees it, whatever file it came from.
#pragma once

#include <string>
#include <vector>

namespace ragppo::data {

struct Recipe {
    std::string uid;
    std::string name;
    std::string ingredients;  // one string, list-valued sources joined
    std::string steps;        // one string, list-valued sources joined
    std::string link;
    std::vector<std::string> ner;  // ingredient names, for answer evaluation
};

// The document text of the reference setup: name, ingredients and steps
// separated by a blank line with a space on each side.
inline std::string document_text(const Recipe & r) {
    return r.name + " \n\n " + r.ingredients + " \n\n " + r.steps;
}

// Load the JSON array layout of ../shared/data/recipes/recipes.json
// (title, ingredients[], instructions[]); `limit` 0 = all rows.
std::vector<Recipe> load_recipes_json(const std::string & path, size_t limit = 0);

}  // namespace ragppo::data
