// RFC 4180 CSV records from an in-memory UTF-8 file: quoted fields, doubled quotes,
// embedded commas and newlines, LF or CRLF line ends, an optional UTF-8 BOM.
// Malformed records come back flagged (not thrown) so a loader can report and skip them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ragppo::data {

struct CsvRecord {
    std::vector<std::string> fields;
    size_t line = 0;    // 1-based file line the record starts on
    std::string error;  // non-empty: malformed (bad quoting, invalid UTF-8); fields unusable
};

class CsvReader {
  public:
    explicit CsvReader(std::string_view bytes);

    // Reads the next record into `rec`; false at the end of the input. Blank lines are
    // skipped. After a malformed record, reading resumes on the line after the one it
    // started on, so one stray quote costs one row, not the rest of the file.
    bool next(CsvRecord & rec);

  private:
    bool fail(CsvRecord & rec, size_t start, const std::string & why);

    std::string_view s_;
    size_t pos_ = 0;
    size_t line_ = 1;
};

}  // namespace ragppo::data
