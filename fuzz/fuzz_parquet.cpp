// Parquet files through our reader (data/parquet_reader over Arrow C++): footer,
// schema, row groups, the cells we turn into JSON.
#include "data/parquet_reader.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    ragppo::data::RowCallbacks cb;
    cb.on_columns = [](const std::vector<std::string> &) {};
    cb.on_row = [](ragppo::data::RawRow &) { return true; };
    ragppo::fuzz::expect_only_ragppo_errors(
        [&] { ragppo::data::read_parquet_bytes(ragppo::fuzz::as_view(data, size), "fuzz.parquet", cb); });
    return 0;
}
