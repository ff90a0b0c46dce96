#include "rl/summary_data.h"

#include "data/row_reader.h"
#include "ragppo.h"
#include "util/message_list.h"

#include <algorithm>
#include <filesystem>

namespace ragppo::rl {

namespace {

bool blank(const std::string & s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

// The cell as text: strings as they are, numbers (ids) printed; anything else is not text.
bool cell_text(const nlohmann::json & cells, const std::string & column, std::string & out) {
    const auto it = cells.find(column);
    if (it == cells.end() || it->is_null()) return false;
    if (it->is_string()) out = it->get<std::string>();
    else if (it->is_number()) out = it->dump();
    else return false;
    return true;
}

}  // namespace

SummaryData load_summary_data(const std::vector<std::string> & paths, const SummaryColumns & columns,
                              size_t max_field_bytes) {
    if (paths.empty()) throw Error("no dataset file given");
    for (const auto & p : paths)
        if (!std::filesystem::is_regular_file(p)) throw Error("dataset file not found: " + p);
    const std::string & path = paths.front();

    SummaryData data;
    bool has_id = false;
    data::RowCallbacks cb;
    cb.on_columns = [&](const std::vector<std::string> & cols) {
        for (const auto * need : {&columns.article, &columns.summary}) {
            if (std::find(cols.begin(), cols.end(), *need) == cols.end()) {
                const std::string have = util::list_for_message(cols);
                throw Error(path + " has no column '" + *need + "' (columns: " + have +
                            "); name the right ones with --article-column / --summary-column");
            }
        }
        has_id = std::find(cols.begin(), cols.end(), columns.id) != cols.end();
    };
    cb.on_row = [&](data::RawRow & row) {
        ++data.rows_read;
        const std::string where = "row " + std::to_string(row.row) + ": ";
        if (!row.error.empty()) {
            data.skipped.push_back(where + row.error);
            return true;
        }
        SummaryExample ex;
        if (!cell_text(row.cells, columns.article, ex.article) || blank(ex.article)) {
            data.skipped.push_back(where + "empty article");
            return true;
        }
        if (!cell_text(row.cells, columns.summary, ex.summary) || blank(ex.summary)) {
            data.skipped.push_back(where + "empty " + columns.summary);
            return true;
        }
        if (!has_id || !cell_text(row.cells, columns.id, ex.id)) ex.id = "row-" + std::to_string(row.row);
        std::string cut;
        for (auto [field, s] : {std::pair<const std::string *, std::string *>{&columns.article, &ex.article},
                                {&columns.summary, &ex.summary}, {&columns.id, &ex.id}}) {
            if (const size_t original = data::cut_field(*s, max_field_bytes))
                cut += (cut.empty() ? "" : "; ") + data::describe_cut(*field, s->size(), original);
        }
        if (!cut.empty()) data.cut.push_back(where + cut);
        data.examples.push_back(std::move(ex));
        return true;
    };
    data::read_file_rows(paths, data::FileFormat::Auto, cb);
    if (data.examples.empty()) {
        std::string msg = "no usable rows in " + path + " (" + std::to_string(data.rows_read) + " read";
        if (!data.skipped.empty()) msg += "; first problem: " + data.skipped.front();
        throw Error(msg + ")");
    }
    return data;
}

HeldOutSplit hold_out_last(std::vector<SummaryExample> examples, size_t eval_wanted) {
    const size_t held = std::min(eval_wanted, examples.size() > 1 ? examples.size() / 2 : 0);
    HeldOutSplit split;
    split.eval.assign(examples.end() - static_cast<std::ptrdiff_t>(held), examples.end());
    examples.resize(examples.size() - held);
    split.train = std::move(examples);
    return split;
}

}  // namespace ragppo::rl
