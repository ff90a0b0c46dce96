#include "data/recipe.h"
#include "ragppo.h"

#include <nlohmann/json.hpp>

#include <fstream>

namespace ragppo::data {

namespace {

// recipes.json stores steps split on " . " (see shared/data/SOURCES.md); joining
// with the same separator restores recipe_nlg_lite's steps text.
std::string join(const nlohmann::json & list, const char * sep) {
    std::string out;
    for (const auto & item : list) {
        if (!item.is_string()) continue;
        if (!out.empty()) out += sep;
        out += item.get<std::string>();
    }
    return out;
}

}  // namespace

std::vector<Recipe> load_recipes_json(const std::string & path, size_t limit) {
    std::ifstream in(path);
    if (!in) throw Error("cannot read recipes file: " + path);
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(in);
    } catch (const std::exception & e) {
        throw Error("malformed JSON in " + path + ": " + e.what());
    }
    if (!doc.is_array()) throw Error("expected a JSON array of recipes in " + path);
    std::vector<Recipe> out;
    for (size_t i = 0; i < doc.size() && (limit == 0 || out.size() < limit); ++i) {
        const auto & row = doc[i];
        if (!row.is_object() || !row.contains("title") || !row["title"].is_string()) continue;
        Recipe r;
        r.uid = std::to_string(i);
        r.name = row["title"].get<std::string>();
        if (row.contains("ingredients")) {
            r.ingredients = join(row["ingredients"], ", ");
            for (const auto & x : row["ingredients"]) if (x.is_string()) r.ner.push_back(x.get<std::string>());
        }
        if (row.contains("instructions")) r.steps = join(row["instructions"], " . ");
        out.push_back(std::move(r));
    }
    if (out.empty()) throw Error("no recipes found in " + path);
    return out;
}

}  // namespace ragppo::data
