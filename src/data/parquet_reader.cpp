#include "data/parquet_reader.h"

#include "data/parquet_cell.h"
#include "ragppo.h"
#include "util/available_memory.h"
#include "util/message_list.h"

#include <arrow/buffer.h>
#include <arrow/io/file.h>
#include <arrow/io/memory.h>
#include <arrow/memory_pool.h>
#include <arrow/record_batch.h>
#include <arrow/table.h>
#include <parquet/arrow/reader.h>
#include <parquet/exception.h>
#include <parquet/metadata.h>
#include <parquet/properties.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace ragppo::data {

namespace {

std::string one_line(std::string s) {
    for (auto & c : s) if (c == '\n' || c == '\r') c = ' ';
    while (!s.empty() && (s.back() == ' ' || s.back() == ':')) s.pop_back();
    return s;
}

std::string join(const std::vector<std::string> & v) { return util::list_for_message(v); }

Error read_error(const std::string & what, const std::string & why) {
    return Error("cannot read parquet file " + what + ": " + one_line(why));
}

// The value of an Arrow call returning Result<T>. Arrow reports through Status, but the
// Parquet layer underneath may still throw.
template <class F>
auto arrow_call(const std::string & what, F && f) {
    try {
        auto result = f();
        if (!result.ok()) throw read_error(what, result.status().message());
        return std::move(result).ValueUnsafe();
    } catch (const parquet::ParquetException & e) {
        throw read_error(what, e.what());
    }
}

// A row group is decoded whole, and Arrow sizes its arrays by the row count the footer
// declares: a 2 KB file claiming 10^11 rows of RLE-encoded nulls would take every byte
// of memory before a single cell is read (found by fuzz/fuzz_parquet.cpp). So the footer
// must add up, and each row group's decoded size must fit in half the available memory.
void check_row_groups(const parquet::FileMetaData & md, const std::string & what) {
    int64_t rows = 0;
    for (int g = 0; g < md.num_row_groups(); ++g) {
        const int64_t n = md.RowGroup(g)->num_rows();
        if (n < 0 || n > md.num_rows() - rows) {
            throw read_error(what, "its row groups declare more rows than the file's " + std::to_string(md.num_rows()) +
                                       " (a corrupt footer)");
        }
        rows += n;
    }
    const uint64_t budget = util::available_memory_bytes().value_or(uint64_t{8} << 30) / 2;
    for (int g = 0; g < md.num_row_groups(); ++g) {
        const auto rg = md.RowGroup(g);
        // Per row and column at least an offset and a validity bit; plus the decoded bytes.
        const double decoded = static_cast<double>(rg->num_rows()) * std::max(1, rg->num_columns()) * 9.0 +
                               static_cast<double>(std::max<int64_t>(0, rg->total_byte_size()));
        if (decoded > static_cast<double>(budget)) {
            throw read_error(what, "row group " + std::to_string(g) + " (" + std::to_string(rg->num_rows()) +
                                       " rows) decodes to about " + util::format_bytes(decoded) + ", more than half the " +
                                       util::format_bytes(static_cast<double>(budget) * 2) +
                                       " of memory available; rewrite it with smaller row groups");
        }
    }
}

// Streams the files of one table through the callbacks, one row group at a time.
class TableReader {
  public:
    explicit TableReader(const RowCallbacks & cb) : cb_(cb), pool_(arrow::default_memory_pool()) {}

    // False when on_row asked to stop.
    bool read_path(const std::string & path) {
        auto file = arrow_call(path, [&] { return arrow::io::ReadableFile::Open(path, &pool_); });
        return read(std::move(file), path);
    }

    bool read(std::shared_ptr<arrow::io::RandomAccessFile> file, const std::string & what) {
        auto reader = arrow_call(what, [&]() -> arrow::Result<std::unique_ptr<parquet::arrow::FileReader>> {
            // All reads on this thread: pre-buffering (on by default) reads column chunks
            // ahead on Arrow's I/O threads, which buys nothing on a local file and leaves
            // reads in flight, into pool_, after an error or an early stop.
            parquet::ArrowReaderProperties arrow_props;
            arrow_props.set_pre_buffer(false);
            arrow_props.set_use_threads(false);
            parquet::arrow::FileReaderBuilder builder;
            ARROW_RETURN_NOT_OK(builder.Open(std::move(file), parquet::ReaderProperties(&pool_)));
            return builder.memory_pool(&pool_)->properties(arrow_props)->Build();
        });
        auto schema = arrow_call(what, [&]() -> arrow::Result<std::shared_ptr<arrow::Schema>> {
            std::shared_ptr<arrow::Schema> out;
            ARROW_RETURN_NOT_OK(reader->GetSchema(&out));
            return out;
        });
        std::vector<std::string> columns;
        for (const auto & f : schema->fields()) columns.push_back(f->name());
        check_columns(columns, what);

        check_row_groups(*reader->parquet_reader()->metadata(), what);
        for (int g = 0; g < reader->num_row_groups(); ++g) {
            std::shared_ptr<arrow::Table> table = arrow_call(what, [&] { return reader->ReadRowGroup(g); });
            ++info.row_groups;
            arrow::TableBatchReader batches(*table);
            for (;;) {
                std::shared_ptr<arrow::RecordBatch> batch = arrow_call(what, [&] { return batches.Next(); });
                info.peak_bytes = pool_.max_memory();
                if (!batch) break;
                for (int64_t i = 0; i < batch->num_rows(); ++i) {
                    RawRow r = row(*batch, i);
                    if (!cb_.on_row(r)) return false;
                }
            }
        }
        return true;
    }

    ParquetReadInfo info;

  private:
    void check_columns(const std::vector<std::string> & columns, const std::string & what) {
        if (first_what_.empty()) {
            first_what_ = what;
            columns_ = columns;
            cb_.on_columns(columns_);
        } else if (columns != columns_) {
            throw Error("parquet file " + what + " has the columns (" + join(columns) + "), unlike " + first_what_ +
                        " (" + join(columns_) + ")");
        }
    }

    RawRow row(const arrow::RecordBatch & batch, int64_t i) {
        RawRow r;
        r.row = ++info.rows;
        r.cells = nlohmann::json::object();
        for (int c = 0; c < batch.num_columns(); ++c) {
            std::string error;
            nlohmann::json cell = parquet_cell(*batch.column(c), i, error);
            if (!error.empty()) {
                r.error = error + " (column " + columns_[c] + ")";
                r.cells = nullptr;
                break;
            }
            if (!r.cells.contains(columns_[c])) r.cells[columns_[c]] = std::move(cell);  // first of duplicate names wins
        }
        return r;
    }

    const RowCallbacks & cb_;
    arrow::ProxyMemoryPool pool_;  // counts what the reader holds, for ParquetReadInfo::peak_bytes
    std::vector<std::string> columns_;
    std::string first_what_;
};

void require_rows(const ParquetReadInfo & info, const std::string & what) {
    if (info.rows == 0) throw Error("no rows in parquet file " + what + " (only a schema)");
}

}  // namespace

bool is_parquet_file(const std::string & path) {
    if (path.size() >= 8) {
        std::string ext = path.substr(path.size() - 8);
        for (auto & c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (ext == ".parquet") return true;
    }
    char magic[4] = {};
    std::ifstream in(path, std::ios::binary);
    return in.read(magic, 4) && std::memcmp(magic, "PAR1", 4) == 0;
}

ParquetReadInfo read_parquet_rows(const std::vector<std::string> & paths, const RowCallbacks & cb) {
    if (paths.empty()) throw Error("no parquet file given");
    TableReader reader(cb);
    for (const auto & path : paths) {
        std::error_code ec;
        const auto size = std::filesystem::file_size(path, ec);
        if (ec) throw Error("cannot read parquet file " + path + ": " + ec.message());
        if (size == 0) throw Error("parquet file is empty: " + path);
        if (!reader.read_path(path)) return reader.info;
    }
    require_rows(reader.info, paths.size() == 1 ? paths.front() : paths.front() + " and its other shards");
    return reader.info;
}

ParquetReadInfo read_parquet_bytes(std::string_view bytes, const std::string & what, const RowCallbacks & cb) {
    if (bytes.empty()) throw Error("parquet file is empty: " + what);
    auto buffer = std::make_shared<arrow::Buffer>(reinterpret_cast<const uint8_t *>(bytes.data()),
                                                  static_cast<int64_t>(bytes.size()));
    TableReader reader(cb);
    if (!reader.read(std::make_shared<arrow::io::BufferReader>(std::move(buffer)), what)) return reader.info;
    require_rows(reader.info, what);
    return reader.info;
}

}  // namespace ragppo::data
