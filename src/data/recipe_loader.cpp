#include "data/recipe_loader.h"

#include "data/stable_id.h"
#include "ragppo.h"

#include <stdexcept>

namespace ragppo::data {

namespace {

// One mapped field as items; a missing column or cell gives none.
std::vector<std::string> items(const nlohmann::json & cells, const FieldSpec & f, const char * field) {
    if (f.column.empty()) return {};
    const auto it = cells.find(f.column);
    if (it == cells.end()) return {};
    try {
        return cell_items(*it, f.format, f.split);
    } catch (const std::invalid_argument & e) {
        throw std::invalid_argument(std::string(field) + " (column " + f.column + "): " + e.what());
    }
}

std::string text(const nlohmann::json & cells, const FieldSpec & f, const char * field, bool trim) {
    std::string s = join_items(items(cells, f, field), f.join, trim);
    return trim ? trim_ascii(s) : s;
}

// Builds the recipe of a well-formed row; throws std::invalid_argument for a malformed one.
Recipe to_recipe(const RawRow & row, const ColumnMapping & m) {
    Recipe r;
    r.name = text(row.cells, m.name, "name", m.trim);
    if (trim_ascii(r.name).empty()) throw std::invalid_argument("missing name (column " + m.name.column + ")");
    r.ingredients = text(row.cells, m.ingredients, "ingredients", m.trim);
    r.steps = text(row.cells, m.steps, "steps", m.trim);
    r.link = text(row.cells, m.link, "link", m.trim);
    r.ner = items(row.cells, m.ner, "ner");
    for (auto & x : r.ner) x = trim_ascii(x);
    r.uid = text(row.cells, m.uid, "uid", true);
    if (r.uid.empty()) {
        r.uid = !r.link.empty() ? stable_id("link\n" + r.link) : stable_id("name\n" + r.name + "\n" + std::to_string(row.row));
    }
    return r;
}

// Cuts every text field of `r` to `max_bytes`; "" when none was longer, else what was
// cut ("ingredients cut to 65535 of 10485760 bytes; steps cut to ...").
std::string cut_fields(Recipe & r, size_t max_bytes) {
    std::string what;
    const auto note = [&](const char * field, size_t kept, size_t original) {
        if (original == 0) return;
        what += (what.empty() ? "" : "; ") + describe_cut(field, kept, original);
    };
    for (auto [field, s] : {std::pair<const char *, std::string *>{"uid", &r.uid}, {"name", &r.name},
                            {"ingredients", &r.ingredients}, {"steps", &r.steps}, {"link", &r.link}}) {
        const size_t original = cut_field(*s, max_bytes);
        note(field, s->size(), original);
    }
    // NER: items are kept whole while the list fits, the first that does not is cut.
    size_t total = 0, kept = 0, original = 0;
    for (const auto & x : r.ner) original += x.size();
    if (max_bytes > 0 && original > max_bytes) {
        for (; kept < r.ner.size() && total < max_bytes; ++kept) {
            cut_field(r.ner[kept], max_bytes - total);
            total += r.ner[kept].size();
        }
        r.ner.resize(kept);
        if (!r.ner.empty() && r.ner.back().empty()) r.ner.pop_back();  // nothing of it fitted
        note("ner", total, original);
    }
    return what;
}

}  // namespace

std::string describe(const RowIssue & issue) {
    std::string where = "row " + std::to_string(issue.row);
    if (issue.line) where += " (line " + std::to_string(issue.line) + ")";
    return where + ": " + issue.message;
}

LoadReport load_recipes(const std::vector<std::string> & paths, const LoadOptions & options) {
    if (paths.empty()) throw Error("no recipes file given");
    const std::string what = paths.size() == 1 ? paths.front() : paths.front() + " (and " +
                             std::to_string(paths.size() - 1) + " more shards)";
    LoadReport report;
    RowCallbacks cb;
    cb.on_columns = [&](const std::vector<std::string> & columns) {
        report.mapping = resolve_mapping(columns, options.mapping, what);
    };
    cb.on_row = [&](RawRow & row) {
        ++report.rows_read;
        std::string error = row.error;
        if (error.empty()) {
            try {
                report.recipes.push_back(to_recipe(row, report.mapping));
                const std::string cut = cut_fields(report.recipes.back(), options.max_field_bytes);
                if (!cut.empty()) report.cut.push_back({row.row, row.line, cut});
            } catch (const std::invalid_argument & e) {
                error = e.what();
            }
        }
        if (!error.empty()) report.skipped.push_back({row.row, row.line, error});
        return options.limit == 0 || report.recipes.size() < options.limit;
    };
    report.format = read_file_rows(paths, options.format, cb);

    if (report.recipes.empty()) {
        std::string msg = "no usable recipes in " + what + ": all " + std::to_string(report.rows_read) + " rows malformed";
        if (!report.skipped.empty()) msg += " (first: " + describe(report.skipped.front()) + ")";
        throw Error(msg);
    }
    return report;
}

LoadReport load_recipes(const std::string & path, const LoadOptions & options) {
    return load_recipes(std::vector<std::string>{path}, options);
}

std::vector<Recipe> load_recipes_json(const std::string & path, size_t limit) {
    LoadOptions o;
    o.limit = limit;
    return load_recipes(path, o).recipes;
}

}  // namespace ragppo::data
