// CSV records (data/csv_reader): quoting, CRLF, BOM, invalid UTF-8, huge fields.
#include "data/csv_reader.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    ragppo::fuzz::expect_only_ragppo_errors([&] {
        ragppo::data::CsvReader reader(ragppo::fuzz::as_view(data, size));
        ragppo::data::CsvRecord rec;
        size_t fields = 0;
        while (reader.next(rec)) {
            // Progress guarantee: every record consumes input, so records <= bytes + 1.
            fields += rec.fields.size();
            if (rec.line > size + 1) __builtin_trap();
        }
        (void)fields;
    });
    return 0;
}
