// The summarisation data of PPO: (article, reference summary) pairs from a
// CNN/DailyMail-shaped file (columns article, highlights, id by default;
// CSV, JSON array, JSON Lines or the Parquet shards of one split).
#pragma once

#include "data/field_limit.h"

#include <string>
#include <vector>

namespace ragppo::rl {

struct SummaryExample {
    std::string id;
    std::string article;
    std::string summary;  // the reference (CNN/DM "highlights")
};

// A training set and the held-out set evaluated before and after training (never
// trained on): the last min(eval_wanted, n / 2) examples, none when n < 2.
struct HeldOutSplit {
    std::vector<SummaryExample> train;
    std::vector<SummaryExample> eval;
};
HeldOutSplit hold_out_last(std::vector<SummaryExample> examples, size_t eval_wanted);

struct SummaryColumns {
    std::string article = "article";
    std::string summary = "highlights";
    std::string id = "id";  // optional: the row number when the file has no such column
};

struct SummaryData {
    std::vector<SummaryExample> examples;  // in file order
    size_t rows_read = 0;
    std::vector<std::string> skipped;  // "row 12: empty article", in file order
    std::vector<std::string> cut;      // "row 3: article cut to 65535 of 10485760 bytes", in file order
};

// Reads every usable row. A row whose article or summary is empty (after
// trimming) or not a string is skipped and reported. Throws ragppo::Error, one
// line, when the file is missing, empty or unreadable, lacks the article or
// summary column (the message lists the columns it has), or has no usable row.
//
// The article, the summary and the id are each cut to `max_field_bytes` (0 = no limit)
// at a character boundary as they are read, and the row is noted in `cut`: only the
// article's first tokens are ever used (query_max_tokens, 512 by default: a few KB),
// but the whole article would be tokenised every time it is drawn, and the summary is
// the ROUGE reference of every response.
SummaryData load_summary_data(const std::vector<std::string> & paths, const SummaryColumns & columns = {},
                              size_t max_field_bytes = data::kDefaultMaxFieldBytes);
inline SummaryData load_summary_data(const std::string & path, const SummaryColumns & columns = {},
                                     size_t max_field_bytes = data::kDefaultMaxFieldBytes) {
    return load_summary_data(std::vector<std::string>{path}, columns, max_field_bytes);
}

}  // namespace ragppo::rl
