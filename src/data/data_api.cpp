// include/ragppo/data.h over the loaders: a dataset id or path -> its files
// (dataset_files.h) -> recipes through the column mapping (recipe_loader.h), with
// the report flattened into lines.
#include "data/dataset_files.h"
#include "data/recipe_loader.h"
#include "ragppo/data.h"

namespace ragppo {

std::string recipe_document_text(const Recipe & r) { return data::document_text(r); }

RecipeLoad recipes_load(const std::string & dataset, const RecipeLoadParams & params) {
    data::LoadOptions options;
    options.limit = params.limit;
    options.mapping = params.mapping;
    options.max_field_bytes = params.max_field_bytes;
    data::LoadReport report =
        data::load_recipes(data::resolve_dataset_files(dataset, params.config, params.split, params.hub), options);
    RecipeLoad out;
    out.recipes = std::move(report.recipes);
    out.rows_read = report.rows_read;
    out.format = data::file_format_name(report.format);
    for (const auto & issue : report.skipped) out.skipped.push_back(data::describe(issue));
    for (const auto & issue : report.cut) out.cut.push_back(data::describe(issue));
    return out;
}

}  // namespace ragppo
