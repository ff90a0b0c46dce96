// Dataset ids -> the local files of one split, against the mock Hub
// (tests/support/mock_hub.h) serving Parquet shards made by pyarrow (fx_parquet.py):
// only the split's files are downloaded, shards come in order, configs and the Hub's
// refs/convert/parquet are honoured, the cache serves offline, and `ragppo index`
// builds an index from a Hub dataset id end to end.
#include "data/dataset_files.h"
#include "data/parquet_reader.h"
#include "data/recipe_loader.h"
#include "ragppo.h"
#include "support/files.h"
#include "support/mock_hub.h"
#include "support/paths.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace fs = std::filesystem;
using namespace ragppo;
using ragppo::test::MockFile;
using ragppo::test::MockHub;
using Files = std::vector<std::string>;

namespace {

std::string fx(const std::string & name) { return test::read_file(test::fixture("parquet/" + name)); }

class DatasetFiles : public ::testing::Test {
  protected:
    void SetUp() override {
        for (const char * v : {"HF_TOKEN", "HF_HUB_OFFLINE", "HF_ENDPOINT", "HF_HUB_CACHE", "HF_HOME"}) unsetenv(v);
        cache = test::make_temp_dir("ragppo-dsfiles-");
        params.endpoint = hub.endpoint();
        params.cache_dir = cache;
        params.progress = false;
    }

    // acme/recipes at main: train in two shards (published out of order), test in one.
    std::string publish_recipes() {
        return hub.publish(RepoType::Dataset, "acme/recipes", "main",
                           {{"README.md", "# recipes", false},
                            {"data/train-00001-of-00002.parquet", fx("tiny_train_1.parquet")},
                            {"data/test-00000-of-00001.parquet", fx("tiny_test.parquet")},
                            {"data/train-00000-of-00002.parquet", fx("tiny_train_0.parquet")}});
    }

    size_t requests_for(const std::string & needle) const {
        const auto p = hub.paths();
        return std::count_if(p.begin(), p.end(), [&](const std::string & s) { return s.find(needle) != std::string::npos; });
    }

    MockHub hub;
    std::string cache;
    HubParams params;
};

}  // namespace

TEST_F(DatasetFiles, ParquetShardsOfTheSplitInOrderAndNothingElse) {
    const std::string commit = publish_recipes();
    const Files files = data::resolve_dataset_files("acme/recipes", "", "train", params);
    const fs::path snap = fs::path(cache) / "datasets--acme--recipes" / "snapshots" / commit;
    ASSERT_EQ(files, (Files{(snap / "data/train-00000-of-00002.parquet").string(),
                            (snap / "data/train-00001-of-00002.parquet").string()}));
    EXPECT_EQ(test::read_file(files[0]), fx("tiny_train_0.parquet"));
    EXPECT_EQ(requests_for("test-00000"), 0u);  // the other split is not downloaded
    EXPECT_EQ(requests_for("README.md"), 0u);

    const auto rep = data::load_recipes(files);
    EXPECT_EQ(rep.format, data::FileFormat::Parquet);
    ASSERT_EQ(rep.recipes.size(), 6u);
    for (size_t i = 0; i < 6; ++i) EXPECT_EQ(rep.recipes[i].uid, "rnl-0002" + std::to_string(i));  // shard order

    // Offline with the Hub gone: the same files from the cache.
    hub.stop();
    params.offline = true;
    EXPECT_EQ(data::resolve_dataset_files("acme/recipes", "", "train", params), files);
    const std::string m = test::error_of([&] { data::resolve_dataset_files("acme/recipes", "", "test", params); });
    EXPECT_NE(m, "");
}

TEST_F(DatasetFiles, ConfigFoldersNeedAConfigWhenThereAreSeveral) {
    hub.publish(RepoType::Dataset, "acme/news", "main",
                {{"1.0.0/validation-00000-of-00001.parquet", fx("cnn_shard_0.parquet")},
                 {"1.0.0/test-00000-of-00001.parquet", fx("cnn_renamed.parquet")},
                 {"3.0.0/validation-00000-of-00001.parquet", fx("cnn_renamed.parquet")}});
    const Files files = data::resolve_dataset_files("acme/news", "1.0.0", "validation", params);
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(fs::path(files[0]).parent_path().filename(), "1.0.0");
    data::RowCallbacks cb;
    std::vector<std::string> columns;
    size_t rows = 0;
    cb.on_columns = [&](const std::vector<std::string> & c) { columns = c; };
    cb.on_row = [&](data::RawRow &) { return ++rows, true; };
    data::read_parquet_rows(files, cb);
    EXPECT_EQ(columns, (Files{"article", "highlights", "id"}));
    EXPECT_EQ(rows, 150u);

    std::string m = test::error_of([&] { data::resolve_dataset_files("acme/news", "", "validation", params); });
    EXPECT_NE(m.find("several configs (1.0.0, 3.0.0)"), std::string::npos) << m;
    m = test::error_of([&] { data::resolve_dataset_files("acme/news", "1.0.0", "train", params); });
    EXPECT_NE(m.find("split 'train'"), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
}

TEST_F(DatasetFiles, FallsBackToTheHubParquetConversion) {
    hub.publish(RepoType::Dataset, "acme/scripted", "main", {{"README.md", "r", false}, {"scripted.py", "x = 1", false}});
    const std::string converted = hub.publish(RepoType::Dataset, "acme/scripted", "refs/convert/parquet",
                                              {{"default/train/0000.parquet", fx("tiny_train_0.parquet")},
                                               {"default/train/0001.parquet", fx("tiny_train_1.parquet")},
                                               {"default/test/0000.parquet", fx("tiny_test.parquet")}});
    const Files files = data::resolve_dataset_files("acme/scripted", "", "test", params);
    ASSERT_EQ(files.size(), 1u);
    EXPECT_NE(files[0].find("/snapshots/" + converted + "/default/test/0000.parquet"), std::string::npos) << files[0];
    EXPECT_EQ(data::load_recipes(files).recipes.size(), 2u);

    hub.stop();
    params.offline = true;
    EXPECT_EQ(data::resolve_dataset_files("acme/scripted", "", "test", params), files);
}

TEST_F(DatasetFiles, OneCsvFileWhenThereIsNoParquet) {
    const std::string csv = "name,ingredients,steps\nsoup,water,boil\n";
    hub.publish(RepoType::Dataset, "acme/csv", "main", {{"train.csv", csv, false}, {"test.csv", "name\nx\n", false}});
    const Files files = data::resolve_dataset_files("acme/csv", "", "train", params);
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(test::read_file(files[0]), csv);

    hub.publish(RepoType::Dataset, "acme/two", "main", {{"a/train.csv", csv, false}, {"b/train.csv", csv, false}});
    const std::string m = test::error_of([&] { data::resolve_dataset_files("acme/two", "", "train", params); });
    EXPECT_NE(m, "");
}

TEST_F(DatasetFiles, MissingRepoOrFilesAreOneLineErrors) {
    std::string m = test::error_of([&] { data::resolve_dataset_files("acme/none", "", "train", params); });
    EXPECT_NE(m.find("acme/none"), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;

    hub.publish(RepoType::Dataset, "acme/docs", "main", {{"README.md", "r", false}});
    m = test::error_of([&] { data::resolve_dataset_files("acme/docs", "", "train", params); });
    EXPECT_NE(m.find("no Parquet / CSV / JSON / JSONL file"), std::string::npos) << m;
    EXPECT_NE(m.find("refs/convert/parquet"), std::string::npos) << m;
}

TEST_F(DatasetFiles, LocalFileAndFolder) {
    const std::string dir = test::make_temp_dir("ragppo-dslocal-");
    test::write_file(dir + "/data/train-00000-of-00002.parquet", fx("tiny_train_0.parquet"));
    test::write_file(dir + "/data/train-00001-of-00002.parquet", fx("tiny_train_1.parquet"));
    test::write_file(dir + "/data/test-00000-of-00001.parquet", fx("tiny_test.parquet"));
    EXPECT_EQ(data::resolve_dataset_files(dir, "", "train", params),
              (Files{dir + "/data/train-00000-of-00002.parquet", dir + "/data/train-00001-of-00002.parquet"}));
    EXPECT_EQ(data::resolve_dataset_files(dir + "/data/test-00000-of-00001.parquet", "", "train", params),
              Files{dir + "/data/test-00000-of-00001.parquet"});
    const std::string m = test::error_of([&] { data::resolve_dataset_files(dir + "/nope.parquet", "", "train", params); });
    EXPECT_NE(m.find("not found"), std::string::npos) << m;
    EXPECT_EQ(hub.requests(), 0);
}

TEST_F(DatasetFiles, CliIndexesAHubDatasetById) {
    publish_recipes();
    const std::string out = test::make_temp_dir("ragppo-dsindex-") + "/idx";
    const auto r = test::run_command("HF_ENDPOINT=" + hub.endpoint() + " " + test::bin("ragppo") +
                                     " index -d acme/recipes --split train -t 2 --cache-dir " + test::shell_quote(cache) +
                                     " -o " + test::shell_quote(out));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("read 6 rows (parquet), 6 recipes, 0 skipped"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("from 6 recipes"), std::string::npos) << r.out;
    EXPECT_TRUE(fs::exists(fs::path(out) / "manifest.json"));
    EXPECT_EQ(requests_for("test-00000"), 0u);
}
