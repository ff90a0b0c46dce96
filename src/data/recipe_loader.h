// Loading recipes from a local CSV, JSON array, JSON Lines or Parquet file through a
// column mapping (see column_mapping.h), with a report of the rows that were skipped.
#pragma once

#include "data/column_mapping.h"
#include "data/field_limit.h"
#include "data/recipe.h"
#include "data/row_reader.h"

#include <string>
#include <vector>

namespace ragppo::data {

struct LoadOptions {
    size_t limit = 0;                     // stop after this many recipes; 0 = all
    std::string mapping;                  // "" = detect; else "preset=...,name=title,..." (see resolve_mapping)
    FileFormat format = FileFormat::Auto; // Auto = by extension, then by content
    // Each text field (uid, name, ingredients, steps, link; the NER list as a whole) is
    // cut to this many bytes at a character boundary as the row is read; 0 = no limit.
    size_t max_field_bytes = kDefaultMaxFieldBytes;
};

// A row that was skipped, and why.
struct RowIssue {
    size_t row = 0;    // 1-based data row
    size_t line = 0;   // 1-based file line; 0 where unknown
    std::string message;
};

struct LoadReport {
    std::vector<Recipe> recipes;
    std::vector<RowIssue> skipped;   // malformed rows, in file order
    std::vector<RowIssue> cut;       // rows kept with a field cut to max_field_bytes, in file order
    size_t rows_read = 0;            // data rows looked at (recipes + skipped)
    FileFormat format = FileFormat::Auto;
    ColumnMapping mapping;           // as resolved for this file
};

// "row 12 (line 14): missing name"
std::string describe(const RowIssue & issue);

// Throws ragppo::Error (one line) when the file cannot be read, is empty, is not in
// the format (a truncated or corrupt Parquet file), cannot be mapped, or yields no
// usable recipe. A malformed row (no name, bad quoting, invalid UTF-8, wrong field
// count, a list cell in the wrong format) is skipped and reported.
//
// uid: the mapped uid cell if not empty, else stable_id of the link, else stable_id of
// name and data row number (stable while the file is not reordered).
LoadReport load_recipes(const std::string & path, const LoadOptions & options = {});

// The same for a split stored as several Parquet shards, read in order as one table
// (rows numbered across shards); see data/dataset_files.h for a Hub dataset's shards.
LoadReport load_recipes(const std::vector<std::string> & paths, const LoadOptions & options = {});

}  // namespace ragppo::data
