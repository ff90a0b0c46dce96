// Rows of Parquet files, read with Arrow C++ (libparquet from the pyarrow wheel) and
// handed over like the CSV / JSON rows (row_reader.h): one cell per top-level column
// (parquet_cell.h). Only one row group is decoded at a time, so a split of large
// articles needs the memory of its largest row group, not of the whole file.
#pragma once

#include "data/row_reader.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ragppo::data {

struct ParquetReadInfo {
    size_t row_groups = 0;   // decoded; fewer than the files hold when on_row stopped early
    size_t rows = 0;         // handed to on_row
    int64_t peak_bytes = 0;  // most Arrow memory held at once (buffers of the decoded row group)
};

// True when `path` ends in ".parquet" (any case) or starts with the magic "PAR1".
bool is_parquet_file(const std::string & path);

// Reads `paths` in order as one table (the shards of one split): on_columns once with
// the first file's columns, rows numbered across files. A file that cannot be opened,
// is empty, is not Parquet, is truncated or corrupt, or has other columns than the
// first is a ragppo::Error naming it; so is a table without rows. A row whose string
// is not valid UTF-8 comes with `error` set.
ParquetReadInfo read_parquet_rows(const std::vector<std::string> & paths, const RowCallbacks & cb);

// The same for one file's bytes in memory; `what` names it in errors.
ParquetReadInfo read_parquet_bytes(std::string_view bytes, const std::string & what, const RowCallbacks & cb);

}  // namespace ragppo::data
