// PPO's article data gets the same per-field byte limit as recipes (data/field_limit.h):
// a 10 MB article or summary is cut at a character boundary as it is read, and the row
// is reported; the first query tokens of a cut article are those of the whole one.
#include "rl/summary_data.h"
#include "support/files.h"
#include "support/paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

using namespace ragppo;
namespace fs = std::filesystem;

TEST(SummaryDataLimits, AHugeArticleOrSummaryIsCutAtACharacterBoundaryAndReported) {
    std::string huge;
    while (huge.size() < (10u << 20)) huge += "The minister said \xE2\x80\x9Cno\xE2\x80\x9D to the caf\xC3\xA9 plan. ";
    const fs::path dir = test::make_temp_dir("ragppo_summary_limits_");
    const fs::path path = dir / "articles.jsonl";
    test::write_file(path, nlohmann::json{{"article", huge}, {"highlights", "A plan."}, {"id", "a"}}.dump() + "\n" +
                               nlohmann::json{{"article", "Short news."}, {"highlights", huge}, {"id", "b"}}.dump() + "\n" +
                               nlohmann::json{{"article", "Plain."}, {"highlights", "Plain."}, {"id", "c"}}.dump() + "\n");

    const auto data = rl::load_summary_data(path.string());
    ASSERT_EQ(data.examples.size(), 3u);
    for (const std::string * s : {&data.examples[0].article, &data.examples[1].summary}) {
        EXPECT_LE(s->size(), data::kDefaultMaxFieldBytes);
        EXPECT_GT(s->size() + 4, data::kDefaultMaxFieldBytes);
        EXPECT_TRUE(test::valid_utf8(*s));
        EXPECT_EQ(huge.compare(0, s->size(), *s), 0);
    }
    EXPECT_EQ(data.examples[2].article, "Plain.");
    ASSERT_EQ(data.cut.size(), 2u);
    EXPECT_EQ(data.cut[0].rfind("row 1: article cut to ", 0), 0u) << data.cut[0];
    EXPECT_EQ(data.cut[1].rfind("row 2: highlights cut to ", 0), 0u) << data.cut[1];

    const auto whole = rl::load_summary_data(path.string(), {}, /*max_field_bytes=*/0);
    EXPECT_EQ(whole.examples[0].article, huge);
    EXPECT_TRUE(whole.cut.empty());
}
