// One value of an Arrow array (a decoded Parquet column) as the JSON cell the row
// readers hand over (row_reader.h), so the column mapping treats Parquet like JSON:
// strings stay strings, list columns become JSON arrays (list_field.h takes their
// items), numbers and booleans stay typed, nulls are null.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace arrow { class Array; }

namespace ragppo::data {

// The cell at row `i` of `array`. Types without a JSON counterpart (dates, times,
// decimals, ...) become Arrow's own text for the value; binary becomes its bytes with
// ill-formed UTF-8 replaced. Sets `error` (and returns null) when a string value is not
// valid UTF-8: the file claims UTF-8, so that row is malformed.
nlohmann::json parquet_cell(const arrow::Array & array, int64_t i, std::string & error);

}  // namespace ragppo::data
