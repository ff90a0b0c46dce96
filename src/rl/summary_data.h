// The summarisation data of PPO: (article, reference summary) pairs from a
// CNN/DailyMail-shaped file (columns article, highlights, id by default;
// CSV, JSON array, JSON Lines or the Parquet shards of one split).
#pragma once

#include <string>
#include <vector>

namespace ragppo::rl {

struct SummaryExample {
    std::string id;
    std::string article;
    std::string summary;  // the reference (CNN/DM "highlights")
};

struct SummaryColumns {
    std::string article = "article";
    std::string summary = "highlights";
    std::string id = "id";  // optional: the row number when the file has no such column
};

struct SummaryData {
    std::vector<SummaryExample> examples;  // in file order
    size_t rows_read = 0;
    std::vector<std::string> skipped;  // "row 12: empty article", in file order
};

// Reads every usable row. A row whose article or summary is empty (after
// trimming) or not a string is skipped and reported. Throws ragppo::Error, one
// line, when the file is missing, empty or unreadable, lacks the article or
// summary column (the message lists the columns it has), or has no usable row.
SummaryData load_summary_data(const std::vector<std::string> & paths, const SummaryColumns & columns = {});
inline SummaryData load_summary_data(const std::string & path, const SummaryColumns & columns = {}) {
    return load_summary_data(std::vector<std::string>{path}, columns);
}

}  // namespace ragppo::rl
