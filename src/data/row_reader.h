// Rows of a recipe file as column -> cell objects, whatever the file format, so the
// column mapping is applied the same way to CSV, JSON arrays, JSON Lines and Parquet.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace ragppo::data {

enum class FileFormat { Auto, Csv, JsonArray, JsonLines, Parquet };

const char * file_format_name(FileFormat f);

// Csv for *.csv, JsonLines for *.jsonl / *.ndjson, Parquet for *.parquet or the magic
// "PAR1"; otherwise by the first non-blank byte: '[' JsonArray, '{' JsonLines, anything
// else Csv.
FileFormat detect_file_format(const std::string & path, std::string_view bytes);

struct RawRow {
    size_t row = 0;          // 1-based data row (the CSV header is not a row)
    size_t line = 0;         // 1-based file line it starts on; 0 where unknown (JSON arrays)
    nlohmann::json cells;    // object; CSV cells are strings
    std::string error;       // non-empty: malformed, cells unusable
};

struct RowCallbacks {
    std::function<void(const std::vector<std::string> & columns)> on_columns;  // once, before any row
    std::function<bool(RawRow & row)> on_row;                                  // false stops reading
};

// Reads `bytes` (the file's contents; `what` names it in errors). Malformed rows are
// passed on with `error` set. A file with no header or no rows at all, or a JSON
// array that does not parse, is a ragppo::Error.
void read_rows(std::string_view bytes, FileFormat format, const std::string & what, const RowCallbacks & cb);

// Reads local files (Auto: the format of the first, detected as above) and returns the
// format read. Parquet is streamed by row group (parquet_reader.h) and may come as
// several files, the shards of one split, read in order as one table; the text formats
// are read whole, one file only. A file that cannot be read or is empty is a ragppo::Error.
FileFormat read_file_rows(const std::vector<std::string> & paths, FileFormat format, const RowCallbacks & cb);

}  // namespace ragppo::data
