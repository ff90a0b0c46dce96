// util/summary_stats and util/markup_escape: the helpers the PPO log, the comparison
// report and the training plots share.
#include "util/markup_escape.h"
#include "util/summary_stats.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace ragppo;

TEST(SummaryStats, MeanAndUnbiasedStdAsTorch) {
    // torch.tensor([2., 4., 4., 4., 5., 5., 7., 9.]).std() = 2.1380899...
    const auto s = util::mean_std(std::vector<double>{2, 4, 4, 4, 5, 5, 7, 9});
    EXPECT_DOUBLE_EQ(s.mean, 5.0);
    EXPECT_NEAR(s.std, 2.138089935299395, 1e-15);
    const auto lens = util::mean_std(std::vector<int64_t>{512, 510});
    EXPECT_DOUBLE_EQ(lens.mean, 511.0);
    EXPECT_NEAR(lens.std, std::sqrt(2.0), 1e-15);
}

TEST(SummaryStats, UndefinedCasesAreNaNAsTorch) {
    const auto one = util::mean_std(std::vector<double>{3.5});
    EXPECT_DOUBLE_EQ(one.mean, 3.5);
    EXPECT_TRUE(std::isnan(one.std));  // torch.tensor([3.5]).std() is nan
    const auto none = util::mean_std(std::vector<double>{});
    EXPECT_TRUE(std::isnan(none.mean));
    EXPECT_TRUE(std::isnan(none.std));
}

TEST(SummaryStats, FormatNumber) {
    EXPECT_EQ(util::format_number("%.3f", 0.12345), "0.123");
    EXPECT_EQ(util::format_number("%.4f", -2.0), "-2.0000");
}

TEST(MarkupEscape, TheFiveSpecialCharactersBecomeEntities) {
    EXPECT_EQ(util::markup_escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
    EXPECT_EQ(util::markup_escape("plain text, ünïcode"), "plain text, ünïcode");
    EXPECT_EQ(util::markup_escape("&amp;"), "&amp;amp;");  // escaped again, never taken as already escaped
}
