// Parquet rows against what pyarrow wrote and reads back (fixtures from
// scripts/fixtures/fx_parquet.py): every cell of every row, row groups streamed one
// at a time, shards read as one table, and one-line errors for bad files.
#include "data/parquet_reader.h"
#include "data/recipe_loader.h"
#include "ragppo.h"
#include "support/files.h"
#include "support/paths.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace ragppo;
using namespace ragppo::data;
using nlohmann::json;

namespace {

std::string fx(const std::string & name) { return test::fixture("parquet/" + name); }

const json & meta(const std::string & name) {
    static const json m = json::parse(test::read_file(fx("meta.json")));
    return m.at(name);
}

std::vector<json> expected_rows(const std::string & name) {
    std::vector<json> out;
    std::istringstream in(test::read_file(fx(name + ".jsonl")));
    for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
    return out;
}

struct Read {
    std::vector<std::string> columns;
    std::vector<RawRow> rows;
    ParquetReadInfo info;
};

Read read_all(const std::vector<std::string> & paths, size_t stop_after = 0) {
    Read r;
    RowCallbacks cb;
    cb.on_columns = [&](const std::vector<std::string> & c) { r.columns = c; };
    cb.on_row = [&](RawRow & row) {
        r.rows.push_back(row);
        return stop_after == 0 || r.rows.size() < stop_after;
    };
    r.info = read_parquet_rows(paths, cb);
    return r;
}

// Every row of the fixture, cell for cell, and the columns and row groups pyarrow reported.
void expect_as_pyarrow(const std::string & name) {
    const Read r = read_all({fx(name + ".parquet")});
    const auto want = expected_rows(name);
    EXPECT_EQ(r.columns, meta(name).at("columns").get<std::vector<std::string>>());
    EXPECT_EQ(r.info.row_groups, meta(name).at("row_groups").get<size_t>());
    EXPECT_EQ(r.info.rows, want.size());
    ASSERT_EQ(r.rows.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(r.rows[i].row, i + 1);
        EXPECT_EQ(r.rows[i].line, 0u);
        EXPECT_EQ(r.rows[i].error, "") << name << " row " << i + 1;
        EXPECT_EQ(r.rows[i].cells, want[i]) << name << " row " << i + 1;
    }
}

std::string copy_fixture(const std::string & name, const std::string & to, size_t keep = std::string::npos) {
    static const std::string dir = test::make_temp_dir("ragppo-parquet-");
    const std::string bytes = test::read_file(fx(name));
    const std::string path = dir + "/" + to;
    test::write_file(path, bytes.substr(0, keep));
    return path;
}

std::string load_error(const std::string & path, const std::string & mapping = "") {
    LoadOptions o;
    o.mapping = mapping;
    return test::error_of([&] { load_recipes(path, o); });
}

void expect_same_recipes(const LoadReport & a, const LoadReport & b) {
    ASSERT_EQ(a.recipes.size(), b.recipes.size());
    for (size_t i = 0; i < a.recipes.size(); ++i) {
        const Recipe & x = a.recipes[i];
        const Recipe & y = b.recipes[i];
        EXPECT_EQ(x.uid, y.uid) << i;
        EXPECT_EQ(x.name, y.name) << i;
        EXPECT_EQ(x.ingredients, y.ingredients) << i;
        EXPECT_EQ(x.steps, y.steps) << i;
        EXPECT_EQ(x.link, y.link) << i;
        EXPECT_EQ(x.ner, y.ner) << i;
    }
    ASSERT_EQ(a.skipped.size(), b.skipped.size());
    for (size_t i = 0; i < a.skipped.size(); ++i) {
        EXPECT_EQ(a.skipped[i].row, b.skipped[i].row);
        EXPECT_EQ(a.skipped[i].message, b.skipped[i].message);
    }
    EXPECT_EQ(a.rows_read, b.rows_read);
    EXPECT_EQ(describe_mapping(a.mapping), describe_mapping(b.mapping));
}

}  // namespace

// ------------------------------------------------------------------ rows as pyarrow reads them

TEST(ParquetReader, RecipeNlgLiteShapedRowsMatchPyarrow) { expect_as_pyarrow("recipe_nlg_lite"); }

TEST(ParquetReader, CnnDailymailRowsMatchPyarrow) { expect_as_pyarrow("cnn_dailymail"); }

TEST(ParquetReader, ListNumberBoolDictionaryAndDateColumnsMatchPyarrow) {
    expect_as_pyarrow("lists");
    const Read r = read_all({fx("lists.parquet")});
    // The shapes the column mapping relies on: lists as JSON arrays (nulls kept inside,
    // a null list as null), a dictionary column as its values, numbers typed.
    EXPECT_TRUE(r.rows[0].cells["ingredients"].is_array());
    EXPECT_TRUE(r.rows[3].cells["ingredients"].is_null());
    EXPECT_EQ(r.rows[4].cells["ingredients"], json({"salt", nullptr, "pepper"}));
    EXPECT_EQ(r.rows[0].cells["cuisine"], "greek");
    EXPECT_EQ(r.rows[5].cells["prep_time"], int64_t{1} << 40);
    EXPECT_EQ(r.rows[0].cells["added"], "2024-01-31");
}

TEST(ParquetReader, RowGroupsAreDecodedOneAtATime) {
    // The same rows in four row groups and in one: streaming holds a quarter as much.
    const Read four = read_all({fx("cnn_dailymail.parquet")});
    const Read one = read_all({fx("cnn_one_group.parquet")});
    ASSERT_EQ(four.info.row_groups, 4u);
    ASSERT_EQ(one.info.row_groups, 1u);
    EXPECT_EQ(four.rows.size(), one.rows.size());
    EXPECT_GT(four.info.peak_bytes, 0);
    EXPECT_LT(four.info.peak_bytes * 2, one.info.peak_bytes) << four.info.peak_bytes << " vs " << one.info.peak_bytes;

    const Read first = read_all({fx("cnn_dailymail.parquet")}, 3);  // on_row stops: no further row group
    EXPECT_EQ(first.rows.size(), 3u);
    EXPECT_EQ(first.info.row_groups, 1u);
}

TEST(ParquetReader, ShardsReadInOrderAsOneTable) {
    const Read r = read_all({fx("cnn_shard_0.parquet"), fx("cnn_shard_1.parquet")});
    const auto want = expected_rows("cnn_dailymail");
    EXPECT_EQ(r.info.row_groups, meta("cnn_shard_0").at("row_groups").get<size_t>() +
                                     meta("cnn_shard_1").at("row_groups").get<size_t>());
    ASSERT_EQ(r.rows.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(r.rows[i].row, i + 1);
        EXPECT_EQ(r.rows[i].cells, want[i]) << i;
    }
}

TEST(ParquetReader, ShardWithOtherColumnsIsAnError) {
    const std::string m = test::error_of([] { read_all({fx("cnn_shard_0.parquet"), fx("cnn_renamed.parquet")}); });
    EXPECT_NE(m.find("cnn_renamed.parquet"), std::string::npos) << m;
    EXPECT_NE(m.find("summary"), std::string::npos) << m;
}

TEST(ParquetReader, InvalidUtf8MarksTheRowMalformed) {
    const Read r = read_all({fx("bad_utf8.parquet")});
    ASSERT_EQ(r.rows.size(), 3u);
    EXPECT_EQ(r.rows[0].error, "");
    EXPECT_NE(r.rows[1].error.find("UTF-8"), std::string::npos) << r.rows[1].error;
    EXPECT_NE(r.rows[1].error.find("name"), std::string::npos) << r.rows[1].error;
    EXPECT_EQ(r.rows[2].cells["name"], "lentil stew");

    const auto rep = load_recipes(fx("bad_utf8.parquet"));
    EXPECT_EQ(rep.recipes.size(), 2u);
    ASSERT_EQ(rep.skipped.size(), 1u);
    EXPECT_EQ(rep.skipped[0].row, 2u);
}

// ------------------------------------------------------------------ through the recipe loader

TEST(ParquetReader, RecipesFromParquetEqualThoseFromTheSameRowsAsJsonLines) {
    const auto pq = load_recipes(fx("recipe_nlg_lite.parquet"));
    const auto jl = load_recipes(fx("recipe_nlg_lite.jsonl"));
    EXPECT_EQ(pq.format, FileFormat::Parquet);
    EXPECT_EQ(jl.format, FileFormat::JsonLines);
    EXPECT_EQ(pq.mapping.preset, "recipe_nlg_lite");
    expect_same_recipes(pq, jl);
    EXPECT_EQ(pq.rows_read, 400u);
    ASSERT_EQ(pq.skipped.size(), 2u);  // the null name (row 7) and the empty one (row 13)
    EXPECT_EQ(pq.skipped[0].row, 7u);
    EXPECT_NE(pq.skipped[0].message.find("missing name"), std::string::npos);
    EXPECT_EQ(pq.skipped[1].row, 13u);
    EXPECT_EQ(pq.recipes[0].uid, "rnl-00000");
}

TEST(ParquetReader, ListColumnsMapLikeJsonLists) {
    LoadOptions o;
    o.mapping = "preset=custom,ner=ingredients";
    const auto pq = load_recipes(fx("lists.parquet"), o);
    const auto jl = load_recipes(fx("lists.jsonl"), o);
    expect_same_recipes(pq, jl);
    ASSERT_EQ(pq.recipes.size(), 6u);
    EXPECT_EQ(pq.recipes[4].ner, (std::vector<std::string>{"salt", "pepper"}));  // the null item dropped
    EXPECT_TRUE(pq.recipes[3].ner.empty());                                      // a null list
}

TEST(ParquetReader, LimitStopsReading) {
    const auto rep = load_recipes(fx("cnn_dailymail.parquet"), LoadOptions{5, "name=id,steps=article", FileFormat::Auto});
    EXPECT_EQ(rep.recipes.size(), 5u);
    EXPECT_EQ(rep.rows_read, 5u);
}

TEST(ParquetReader, DetectedByContentAndFromBytes) {
    const std::string renamed = copy_fixture("lists.parquet", "lists.bin");
    EXPECT_TRUE(is_parquet_file(renamed));
    EXPECT_FALSE(is_parquet_file(fx("lists.jsonl")));
    EXPECT_EQ(load_recipes(renamed).format, FileFormat::Parquet);

    const std::string bytes = test::read_file(fx("lists.parquet"));
    EXPECT_EQ(detect_file_format("", bytes), FileFormat::Parquet);
    EXPECT_EQ(detect_file_format("x.PARQUET", ""), FileFormat::Parquet);
    std::vector<json> cells;
    RowCallbacks cb;
    cb.on_columns = [](const std::vector<std::string> &) {};
    cb.on_row = [&](RawRow & r) { cells.push_back(r.cells); return true; };
    read_rows(bytes, FileFormat::Auto, "lists (in memory)", cb);
    EXPECT_EQ(cells, expected_rows("lists"));
}

// ------------------------------------------------------------------ bad input: one-line errors

TEST(ParquetReader, BadFilesAreOneLineErrorsNamingTheFile) {
    const std::string whole = test::read_file(fx("recipe_nlg_lite.parquet"));
    std::string corrupt_footer = whole;
    corrupt_footer.replace(corrupt_footer.size() - 4, 4, "PAR0");
    std::string corrupt_metadata = whole;  // the footer's Thrift bytes overwritten
    const size_t meta_len = static_cast<unsigned char>(whole[whole.size() - 8]) |
                            static_cast<unsigned char>(whole[whole.size() - 7]) << 8;
    corrupt_metadata.replace(whole.size() - 8 - meta_len + 2, 64, std::string(64, '\xff'));
    std::string corrupt_pages = whole;  // column data overwritten, footer intact
    corrupt_pages.replace(4, whole.size() / 2, std::string(whole.size() / 2, '\x5a'));

    const std::string dir = test::make_temp_dir("ragppo-parquet-bad-");
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"zero.parquet", ""},
        {"text.parquet", "uid,name\n1,soup\n"},
        {"truncated.parquet", whole.substr(0, whole.size() / 2)},
        {"footer.parquet", corrupt_footer},
        {"metadata.parquet", corrupt_metadata},
        {"pages.parquet", corrupt_pages},
    };
    for (const auto & [name, bytes] : cases) {
        const std::string path = dir + "/" + name;
        test::write_file(path, bytes);
        const std::string m = load_error(path);
        EXPECT_NE(m, "") << name;
        EXPECT_NE(m.find(path), std::string::npos) << name << ": " << m;
        EXPECT_EQ(m.find('\n'), std::string::npos) << name << ": " << m;
    }
    EXPECT_NE(load_error(dir + "/zero.parquet").find("empty"), std::string::npos);
    EXPECT_NE(load_error(dir + "/missing.parquet").find("cannot read"), std::string::npos);
}

TEST(ParquetReader, EmptyTableIsAnError) {
    const std::string m = load_error(fx("empty.parquet"));
    EXPECT_NE(m.find("no rows"), std::string::npos) << m;
    EXPECT_NE(m.find("empty.parquet"), std::string::npos) << m;
}

TEST(ParquetReader, MissingColumnsAreAnErrorListingTheColumns) {
    std::string m = load_error(fx("other_columns.parquet"));
    EXPECT_NE(m.find("title2"), std::string::npos) << m;
    m = load_error(fx("recipe_nlg_lite.parquet"), "steps=directions");
    EXPECT_NE(m.find("directions"), std::string::npos) << m;
}
