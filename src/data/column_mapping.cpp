#include "data/column_mapping.h"
#include "ragppo.h"
#include "util/message_list.h"

#include <algorithm>
#include <cctype>
#include <utility>

namespace ragppo::data {

namespace {

FieldSpec field(const std::string & column, ListFormat format = ListFormat::Auto, std::string join = " ",
                std::string split = "") {
    return FieldSpec{column, format, std::move(join), std::move(split)};
}

std::string lower(std::string s) {
    for (auto & c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// The file's spelling of `want`: exact match first, then case-insensitive; "" if absent.
std::string find_column(const std::vector<std::string> & columns, const std::string & want) {
    for (const auto & c : columns) if (c == want) return c;
    for (const auto & c : columns) if (lower(c) == lower(want)) return c;
    return "";
}

std::vector<std::pair<const char *, FieldSpec ColumnMapping::*>> fields() {
    return {{"uid", &ColumnMapping::uid},     {"name", &ColumnMapping::name},
            {"ingredients", &ColumnMapping::ingredients}, {"steps", &ColumnMapping::steps},
            {"link", &ColumnMapping::link},   {"ner", &ColumnMapping::ner}};
}

std::string list_columns(const std::vector<std::string> & columns) {
    const std::string out = util::list_for_message(columns);
    return out.empty() ? "none" : out;
}

// Key columns that identify each preset's layout, checked in this order.
const std::vector<std::pair<std::string, std::vector<std::string>>> & signatures() {
    static const std::vector<std::pair<std::string, std::vector<std::string>>> s = {
        {"recipe_nlg_lite", {"name", "ingredients", "steps"}},
        {"recipenlg", {"title", "ingredients", "directions"}},
        {"recipes_json", {"title", "ingredients", "instructions"}},
    };
    return s;
}

}  // namespace

const std::vector<std::string> & preset_names() {
    static const std::vector<std::string> names = {"recipe_nlg_lite", "recipes_json", "recipenlg", "custom"};
    return names;
}

ColumnMapping preset_mapping(const std::string & name) {
    ColumnMapping m;
    m.preset = name;
    if (name == "recipe_nlg_lite") {
        // Every cell is already one string; kept untrimmed so document texts match the reference byte for byte.
        m.uid = field("uid");
        m.name = field("name", ListFormat::Plain);
        m.ingredients = field("ingredients", ListFormat::Auto, ", ");
        m.steps = field("steps", ListFormat::Auto, " ");
        m.link = field("link", ListFormat::Plain);
        m.ner = field("ner", ListFormat::Auto, " ", ",");
    } else if (name == "recipes_json") {
        // instructions were split on " . " from recipe_nlg_lite's steps; joining with
        // it restores that text. ingredients holds names only (recipe_nlg_lite's ner).
        m.name = field("title", ListFormat::Plain);
        m.ingredients = field("ingredients", ListFormat::Auto, ", ");
        m.steps = field("instructions", ListFormat::Auto, " . ");
        m.ner = field("ingredients", ListFormat::Auto, " ", ",");
    } else if (name == "recipenlg") {
        // Titles may end in stray spaces ("Skewered Shrimp(For 4)  "), hence trim.
        m.name = field("title", ListFormat::Plain);
        m.ingredients = field("ingredients", ListFormat::Json, ", ");
        m.steps = field("directions", ListFormat::Json, " ");
        m.link = field("link", ListFormat::Plain);
        m.ner = field("NER", ListFormat::Python, " ", ",");
        m.trim = true;
    } else if (name == "custom") {
        m.uid = field("uid", ListFormat::Plain);
        m.name = field("name", ListFormat::Plain);
        m.ingredients = field("ingredients", ListFormat::Auto, ", ");
        m.steps = field("steps", ListFormat::Auto, " ");
        m.link = field("link", ListFormat::Plain);
        m.ner = field("ner", ListFormat::Auto, " ", ",");
        m.trim = true;
    } else {
        std::string known;
        for (const auto & n : preset_names()) known += (known.empty() ? "" : ", ") + n;
        throw Error("unknown recipe layout preset '" + name + "' (known: " + known + ")");
    }
    return m;
}

std::string detect_preset(const std::vector<std::string> & columns) {
    for (const auto & [name, keys] : signatures()) {
        if (std::all_of(keys.begin(), keys.end(), [&](const std::string & k) { return !find_column(columns, k).empty(); })) {
            return name;
        }
    }
    return "custom";
}

ColumnMapping resolve_mapping(const std::vector<std::string> & columns, const std::string & spec,
                              const std::string & what) {
    // Split the spec into key=value pairs first: the preset decides the base mapping.
    std::vector<std::pair<std::string, std::string>> pairs;
    std::string preset;
    for (size_t at = 0; at <= spec.size();) {
        size_t end = spec.find(',', at);
        if (end == std::string::npos) end = spec.size();
        const std::string item = trim_ascii(spec.substr(at, end - at));
        at = end + 1;
        if (item.empty()) continue;
        const size_t eq = item.find('=');
        if (eq == std::string::npos) throw Error("bad column mapping '" + item + "': expected field=column (e.g. name=title)");
        const std::string key = trim_ascii(item.substr(0, eq));
        const std::string value = trim_ascii(item.substr(eq + 1));
        if (key == "preset") preset = value;
        else pairs.emplace_back(key, value);
    }

    ColumnMapping m = preset_mapping(preset.empty() ? detect_preset(columns) : preset);
    for (auto & [key, member] : fields()) {
        FieldSpec & f = m.*member;
        if (!f.column.empty()) f.column = find_column(columns, f.column);
    }
    for (const auto & [key, value] : pairs) {
        FieldSpec * f = nullptr;
        for (auto & [k, member] : fields()) if (key == k) f = &(m.*member);
        if (f == nullptr) {
            throw Error("bad column mapping: unknown field '" + key + "' (fields: uid, name, ingredients, steps, link, ner, preset)");
        }
        if (value.empty()) { f->column.clear(); continue; }
        f->column = find_column(columns, value);
        if (f->column.empty()) {
            throw Error("column mapping " + key + "=" + value + ": " + what + " has no column '" + value +
                        "' (columns: " + list_columns(columns) + ")");
        }
        // A remapped column may hold anything: detect its shape per cell.
        f->format = ListFormat::Auto;
    }
    if (m.name.column.empty()) {
        throw Error("cannot tell which column of " + what + " holds the recipe name (columns: " +
                    list_columns(columns) + "); pass a mapping such as name=title");
    }
    if (!pairs.empty()) m.preset += "+mapping";
    return m;
}

std::string describe_mapping(const ColumnMapping & m) {
    std::string out = "preset=" + m.preset;
    for (const auto & [key, member] : fields()) {
        const FieldSpec & f = m.*member;
        if (!f.column.empty()) out += std::string(",") + key + "=" + f.column;
    }
    return out;
}

}  // namespace ragppo::data
