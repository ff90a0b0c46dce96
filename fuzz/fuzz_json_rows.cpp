// JSON-array and JSON-lines recipe files (data/row_reader): the first byte picks which.
#include "data/row_reader.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    if (size == 0) return 0;
    const auto format = (data[0] & 1) ? ragppo::data::FileFormat::JsonLines : ragppo::data::FileFormat::JsonArray;
    ragppo::data::RowCallbacks cb;
    cb.on_columns = [](const std::vector<std::string> &) {};
    cb.on_row = [](ragppo::data::RawRow & row) { return true; };
    ragppo::fuzz::expect_only_ragppo_errors(
        [&] { ragppo::data::read_rows(ragppo::fuzz::as_view(data + 1, size - 1), format, "fuzz input", cb); });
    return 0;
}
