// Picking one split's files from a dataset repo listing, for the layouts the Hub uses.
#include "data/split_files.h"

#include <gtest/gtest.h>

using ragppo::data::pick_split_files;
using Files = std::vector<std::string>;

namespace {

const Files kParquet = {".parquet"};

// abisee/cnn_dailymail at main: one folder per config, shards named <split>-NNNNN-of-NNNNN.
const Files kCnn = {
    ".gitattributes", "README.md",
    "1.0.0/test-00000-of-00001.parquet", "1.0.0/train-00002-of-00003.parquet", "1.0.0/train-00000-of-00003.parquet",
    "1.0.0/train-00001-of-00003.parquet", "1.0.0/validation-00000-of-00001.parquet",
    "3.0.0/test-00000-of-00001.parquet", "3.0.0/train-00000-of-00003.parquet", "3.0.0/validation-00000-of-00001.parquet",
};

Files pick(const Files & files, const std::string & config, const std::string & split, const Files & ext = kParquet) {
    return pick_split_files(files, config, split, ext).files;
}

}  // namespace

TEST(SplitFiles, ConfigFoldersWithShardsInOrder) {
    EXPECT_EQ(pick(kCnn, "1.0.0", "validation"), Files{"1.0.0/validation-00000-of-00001.parquet"});
    EXPECT_EQ(pick(kCnn, "1.0.0", "train"), (Files{"1.0.0/train-00000-of-00003.parquet", "1.0.0/train-00001-of-00003.parquet",
                                                  "1.0.0/train-00002-of-00003.parquet"}));
    EXPECT_EQ(pick(kCnn, "3.0.0", "test"), Files{"3.0.0/test-00000-of-00001.parquet"});
}

TEST(SplitFiles, SeveralConfigsNeedOneChosen) {
    const auto r = pick_split_files(kCnn, "", "validation", kParquet);
    EXPECT_TRUE(r.files.empty());
    EXPECT_TRUE(r.any);
    EXPECT_EQ(r.configs, (Files{"1.0.0", "3.0.0"}));
    EXPECT_NE(r.why_none.find("several configs (1.0.0, 3.0.0)"), std::string::npos) << r.why_none;

    const auto missing = pick_split_files(kCnn, "2.0.0", "validation", kParquet);
    EXPECT_NE(missing.why_none.find("no config '2.0.0' (configs: 1.0.0, 3.0.0)"), std::string::npos) << missing.why_none;
}

TEST(SplitFiles, MissingSplitNamesWhatThereIs) {
    const auto r = pick_split_files(kCnn, "1.0.0", "dev", kParquet);
    EXPECT_TRUE(r.files.empty());
    EXPECT_NE(r.why_none.find("split 'dev'"), std::string::npos) << r.why_none;
    EXPECT_NE(r.why_none.find("1.0.0/test-00000-of-00001.parquet"), std::string::npos) << r.why_none;
}

TEST(SplitFiles, DefaultConfigUnderDataWithHashedShardNames) {
    const Files files = {"README.md", "data/train-00000-of-00002-3f1c.parquet", "data/train-00001-of-00002-9a0b.parquet",
                         "data/test-00000-of-00001-77aa.parquet"};
    EXPECT_EQ(pick(files, "", "train"), (Files{"data/train-00000-of-00002-3f1c.parquet", "data/train-00001-of-00002-9a0b.parquet"}));
    EXPECT_EQ(pick(files, "default", "test"), Files{"data/test-00000-of-00001-77aa.parquet"});
}

TEST(SplitFiles, HubParquetConversionLayout) {
    // refs/convert/parquet: <config>/<split>/NNNN.parquet, "partial-" when the conversion stopped early.
    const Files files = {"default/train/0000.parquet", "default/train/0001.parquet", "default/test/0000.parquet"};
    EXPECT_EQ(pick(files, "", "train"), (Files{"default/train/0000.parquet", "default/train/0001.parquet"}));
    EXPECT_EQ(pick(files, "", "test"), Files{"default/test/0000.parquet"});

    const Files named = {"recipe_nlg_lite/train/0000.parquet", "recipe_nlg_lite/test/0000.parquet"};
    EXPECT_EQ(pick(named, "", "test"), Files{"recipe_nlg_lite/test/0000.parquet"});  // the only config

    const Files partial = {"big/partial-train/0000.parquet", "big/partial-train/0001.parquet", "big/validation/0000.parquet"};
    EXPECT_EQ(pick(partial, "big", "train"), (Files{"big/partial-train/0000.parquet", "big/partial-train/0001.parquet"}));
}

TEST(SplitFiles, SplitInTheNameBetweenSeparatorsOnly) {
    const Files files = {"train.parquet", "recipes-test.parquet", "latest.parquet", "test_hard.parquet", "contest-1.parquet"};
    EXPECT_EQ(pick(files, "", "train"), Files{"train.parquet"});
    EXPECT_EQ(pick(files, "", "test"), (Files{"recipes-test.parquet", "test_hard.parquet"}));
}

TEST(SplitFiles, SplitFoldersAtTheTop) {
    const Files files = {"train/a.parquet", "train/b.parquet", "test/a.parquet"};
    EXPECT_EQ(pick(files, "", "train"), (Files{"train/a.parquet", "train/b.parquet"}));
}

TEST(SplitFiles, OtherExtensionsAndNoneAtAll) {
    const Files files = {"README.md", "data/train.csv", "data/test.jsonl", "data/train.parquet.lock"};
    const Files text = {".csv", ".jsonl", ".json"};
    EXPECT_EQ(pick(files, "", "train", text), Files{"data/train.csv"});
    EXPECT_EQ(pick(files, "", "test", text), Files{"data/test.jsonl"});
    const auto none = pick_split_files(files, "", "train", kParquet);
    EXPECT_FALSE(none.any);
    EXPECT_TRUE(none.files.empty());
}
