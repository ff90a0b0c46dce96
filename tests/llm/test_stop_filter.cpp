// The stop-sequence filter over streamed pieces: text that could start a stop
// sequence is held back, a match releases only what precedes it, and text held
// back that turns out not to be a stop sequence comes out in order.
#include "llm/stop_filter.h"

#include <gtest/gtest.h>

using ragppo::llm::StopFilter;

TEST(StopFilter, HoldsBackAPossibleStartAndCutsAtTheMatch) {
    StopFilter f({"END"});
    EXPECT_EQ(f.push("abc E"), "abc ");  // "E" might start "END"
    EXPECT_EQ(f.push("N"), "");          // "EN" still might
    EXPECT_EQ(f.push("Dxyz"), "");       // "END": nothing after it is released
    EXPECT_TRUE(f.stopped());
    EXPECT_EQ(f.push("more"), "");
    EXPECT_EQ(f.flush(), "");
}

TEST(StopFilter, ReleasesHeldTextThatWasNotAStop) {
    StopFilter f({"END", "\n\n"});
    std::string out = f.push("x EN");
    out += f.push("Tity\n");
    EXPECT_FALSE(f.stopped());
    out += f.flush();
    EXPECT_EQ(out, "x ENTity\n");
}

TEST(StopFilter, EarliestOfSeveralStopsWinsAndEmptyOnesAreIgnored) {
    StopFilter f({"", "cd", "b"});
    EXPECT_EQ(f.push("abcd"), "a");
    EXPECT_TRUE(f.stopped());
}
