#include "data/row_reader.h"

#include "data/csv_reader.h"
#include "data/parquet_reader.h"
#include "ragppo.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace ragppo::data {

namespace {

// nlohmann's messages name the position; keep them to one line for ragppo::Error.
std::string one_line(std::string s) {
    for (auto & c : s) if (c == '\n' || c == '\r') c = ' ';
    return s;
}

void read_csv(std::string_view bytes, const std::string & what, const RowCallbacks & cb) {
    CsvReader reader(bytes);
    CsvRecord rec;
    if (!reader.next(rec)) throw Error("no CSV header in " + what);
    if (!rec.error.empty()) throw Error("malformed CSV header in " + what + ": " + rec.error);
    const std::vector<std::string> columns = rec.fields;
    cb.on_columns(columns);
    size_t row = 0;
    while (reader.next(rec)) {
        RawRow r;
        r.row = ++row;
        r.line = rec.line;
        r.error = rec.error;
        if (r.error.empty() && rec.fields.size() != columns.size()) {
            r.error = "wrong field count: " + std::to_string(rec.fields.size()) + " fields, the header has " +
                      std::to_string(columns.size());
        }
        if (r.error.empty()) {
            r.cells = nlohmann::json::object();
            for (size_t i = 0; i < columns.size(); ++i) {
                if (!r.cells.contains(columns[i])) r.cells[columns[i]] = rec.fields[i];  // first of duplicate names wins
            }
        }
        if (!cb.on_row(r)) return;
    }
    if (row == 0) throw Error("no data rows in " + what + " (only a header)");
}

void read_json_array(std::string_view bytes, const std::string & what, const RowCallbacks & cb) {
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(bytes);
    } catch (const nlohmann::json::exception & e) {
        throw Error("malformed JSON in " + what + ": " + one_line(e.what()));
    }
    if (!doc.is_array()) throw Error("expected a JSON array of recipe objects in " + what);
    if (doc.empty()) throw Error("no recipes in " + what + " (an empty JSON array)");
    std::set<std::string> keys;  // union over all rows: optional keys may be absent from the first
    std::vector<std::string> columns;
    for (const auto & item : doc) {
        if (!item.is_object()) continue;
        for (const auto & [k, v] : item.items()) {
            if (keys.insert(k).second) columns.push_back(k);
        }
    }
    cb.on_columns(columns);
    for (size_t i = 0; i < doc.size(); ++i) {
        RawRow r;
        r.row = i + 1;
        if (doc[i].is_object()) r.cells = std::move(doc[i]);
        else r.error = std::string("not a JSON object but ") + doc[i].type_name();
        if (!cb.on_row(r)) return;
    }
}

void read_json_lines(std::string_view bytes, const std::string & what, const RowCallbacks & cb) {
    // Parse every line first: the columns come from the objects, and are needed before the first row.
    std::vector<RawRow> rows;
    std::vector<std::string> columns;
    std::set<std::string> keys;
    size_t line = 0;
    for (size_t at = 0; at < bytes.size();) {
        size_t end = bytes.find('\n', at);
        if (end == std::string_view::npos) end = bytes.size();
        std::string_view text = bytes.substr(at, end - at);
        at = end + 1;
        ++line;
        if (line == 1 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
        if (text.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        RawRow r;
        r.row = rows.size() + 1;
        r.line = line;
        try {
            r.cells = nlohmann::json::parse(text);
            if (!r.cells.is_object()) r.error = std::string("not a JSON object but ") + r.cells.type_name();
        } catch (const nlohmann::json::exception & e) {
            r.error = "invalid JSON: " + one_line(e.what());
        }
        if (r.error.empty()) {
            for (const auto & [k, v] : r.cells.items()) {
                if (keys.insert(k).second) columns.push_back(k);
            }
        }
        rows.push_back(std::move(r));
    }
    if (rows.empty()) throw Error("no recipes in " + what + " (no JSON lines)");
    cb.on_columns(columns);
    for (auto & r : rows) {
        if (!cb.on_row(r)) return;
    }
}

std::string read_file(const std::string & path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot read recipes file " + path + ": " + std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw Error("cannot read recipes file " + path + ": read error");
    return ss.str();
}

bool ends_with(const std::string & s, const std::string & suffix) {
    if (s.size() < suffix.size()) return false;
    for (size_t i = 0; i < suffix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(s[s.size() - suffix.size() + i])) != suffix[i]) return false;
    }
    return true;
}

}  // namespace

const char * file_format_name(FileFormat f) {
    switch (f) {
        case FileFormat::Auto: return "auto";
        case FileFormat::Csv: return "csv";
        case FileFormat::JsonArray: return "json";
        case FileFormat::JsonLines: return "jsonl";
        case FileFormat::Parquet: return "parquet";
    }
    return "?";
}

FileFormat detect_file_format(const std::string & path, std::string_view bytes) {
    if (ends_with(path, ".csv")) return FileFormat::Csv;
    if (ends_with(path, ".jsonl") || ends_with(path, ".ndjson")) return FileFormat::JsonLines;
    if (ends_with(path, ".parquet") || bytes.substr(0, 4) == "PAR1") return FileFormat::Parquet;
    if (bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
    const size_t first = bytes.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos && bytes[first] == '[') return FileFormat::JsonArray;
    if (first != std::string_view::npos && bytes[first] == '{') return FileFormat::JsonLines;
    return FileFormat::Csv;
}

void read_rows(std::string_view bytes, FileFormat format, const std::string & what, const RowCallbacks & cb) {
    switch (format) {
        case FileFormat::Csv: return read_csv(bytes, what, cb);
        case FileFormat::JsonArray: return read_json_array(bytes, what, cb);
        case FileFormat::JsonLines: return read_json_lines(bytes, what, cb);
        case FileFormat::Parquet: read_parquet_bytes(bytes, what, cb); return;
        case FileFormat::Auto: return read_rows(bytes, detect_file_format("", bytes), what, cb);
    }
}

FileFormat read_file_rows(const std::vector<std::string> & paths, FileFormat format, const RowCallbacks & cb) {
    if (paths.empty()) throw Error("no recipes file given");
    const std::string & first = paths.front();
    // Parquet is decided before reading: it must not be loaded whole.
    if (format == FileFormat::Auto && is_parquet_file(first)) format = FileFormat::Parquet;
    if (format == FileFormat::Parquet) {
        read_parquet_rows(paths, cb);
        return format;
    }
    if (paths.size() > 1) {
        throw Error("several files given (" + first + ", ...): only the Parquet shards of one split are read together");
    }
    const std::string bytes = read_file(first);
    if (bytes.find_first_not_of(" \t\r\n") == std::string::npos) throw Error("recipes file is empty: " + first);
    if (format == FileFormat::Auto) format = detect_file_format(first, bytes);
    read_rows(bytes, format, first, cb);
    return format;
}

}  // namespace ragppo::data
