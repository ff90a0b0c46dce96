// rl::hold_out_last: the held-out articles of `ragppo ppo` (ROUGE before and after
// training) are the last ones, at most half of them, and never in the training set.
#include "rl/summary_data.h"

#include <gtest/gtest.h>

using namespace ragppo;

namespace {

std::vector<rl::SummaryExample> examples(size_t n) {
    std::vector<rl::SummaryExample> v;
    for (size_t i = 0; i < n; ++i) v.push_back({std::to_string(i), "article " + std::to_string(i), "summary"});
    return v;
}

std::vector<std::string> ids(const std::vector<rl::SummaryExample> & v) {
    std::vector<std::string> out;
    for (const auto & e : v) out.push_back(e.id);
    return out;
}

}  // namespace

TEST(HeldOutSplit, TheLastArticlesAreHeldOutAndNeverTrainedOn) {
    const auto s = rl::hold_out_last(examples(10), 3);
    EXPECT_EQ(ids(s.train), (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6"}));
    EXPECT_EQ(ids(s.eval), (std::vector<std::string>{"7", "8", "9"}));
}

TEST(HeldOutSplit, AtMostHalfIsHeldOutAndNoneOfOne) {
    auto s = rl::hold_out_last(examples(6), 20);
    EXPECT_EQ(s.eval.size(), 3u);
    EXPECT_EQ(s.train.size(), 3u);
    s = rl::hold_out_last(examples(1), 20);
    EXPECT_TRUE(s.eval.empty());
    EXPECT_EQ(s.train.size(), 1u);
    s = rl::hold_out_last(examples(5), 0);
    EXPECT_TRUE(s.eval.empty());
    EXPECT_EQ(s.train.size(), 5u);
    EXPECT_TRUE(rl::hold_out_last({}, 4).train.empty());
}
