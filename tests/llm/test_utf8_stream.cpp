// llm/utf8_stream.h: streamed token pieces may split a character; the stream hands
// out whole characters only, and a character cut off by the end of generation (-n)
// is dropped, so the output never ends in a broken UTF-8 sequence.
#include "llm/utf8_stream.h"

#include "support/files.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using ragppo::llm::Utf8Stream;

using ragppo::test::valid_utf8;

TEST(Utf8Stream, PiecesSplittingACharacterAreHeldUntilItIsWhole) {
    const std::string pizza = "\xF0\x9F\x8D\x95";  // U+1F355, 4 bytes
    Utf8Stream s;
    EXPECT_EQ(s.push("a" + pizza.substr(0, 1)), "a");
    EXPECT_EQ(s.push(pizza.substr(1, 2)), "");
    EXPECT_EQ(s.pending(), 3u);
    EXPECT_EQ(s.push(pizza.substr(3) + " pizza"), pizza + " pizza");
    EXPECT_EQ(s.flush(), "");
}

TEST(Utf8Stream, ACharacterCutOffAtTheEndIsDropped) {
    // Generation stopped by -n after 1, 2 or 3 bytes of the emoji: the text ends
    // before it, never with a piece of it.
    const std::string pizza = "\xF0\x9F\x8D\x95";
    for (size_t cut = 1; cut < pizza.size(); ++cut) {
        Utf8Stream s;
        std::string out = s.push("caf\xC3\xA9 ");
        out += s.push(pizza.substr(0, cut));
        out += s.flush();
        EXPECT_EQ(out, "caf\xC3\xA9 ") << cut;
        EXPECT_TRUE(valid_utf8(out)) << cut;
        EXPECT_EQ(s.pending(), 0u);
    }
    // Two- and three-byte characters too.
    for (const std::string partial : {std::string("x\xC3"), std::string("x\xE2\x82")}) {
        Utf8Stream s;
        std::string out = s.push(partial);
        out += s.flush();
        EXPECT_EQ(out, "x");
    }
}

TEST(Utf8Stream, EveryByteSplitOfMixedTextReassemblesExactly) {
    const std::string text = "Pizza \xF0\x9F\x8D\x95, cr\xC3\xA8me br\xC3\xBBl\xC3\xA9" "e \xE2\x9C\x93 done";
    for (size_t a = 0; a <= text.size(); ++a) {
        Utf8Stream s;
        std::vector<std::string> outs{s.push(text.substr(0, a)), s.push(text.substr(a)), s.flush()};
        std::string joined;
        for (const auto & o : outs) {
            EXPECT_TRUE(valid_utf8(o)) << "split at " << a;
            joined += o;
        }
        EXPECT_EQ(joined, text) << "split at " << a;
    }
}
