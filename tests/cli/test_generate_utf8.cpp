// `ragppo generate -n N` streams whole UTF-8 characters only: output cut by -n in the
// middle of a multi-byte character (an emoji is several byte-level tokens) ends before
// it instead of in a broken sequence. The prompt asks for emojis so the cut lands
// inside one for some N.
#include "support/paths.h"
#include "support/process.h"

#include <gtest/gtest.h>

using ragppo::test::bin;
using ragppo::test::run_command;

namespace {

bool valid_utf8(const std::string & s) {
    size_t i = 0;
    while (i < s.size()) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        const size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (len == 0 || i + len > s.size()) return false;
        for (size_t k = 1; k < len; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += len;
    }
    return true;
}

}  // namespace

TEST(CliGenerate, OutputCutByMaxTokensIsValidUtf8) {
    for (int n = 1; n <= 6; ++n) {
        const auto r = run_command(bin("ragppo") + " generate --offline -t 1 --format raw --temperature 0 -n " +
                                   std::to_string(n) + " '\xF0\x9F\x8D\x95\xF0\x9F\x8D\x95\xF0\x9F\x8D\x95 pizza? \xF0\x9F\x8D\x95'");
        ASSERT_EQ(r.exit_code, 0) << r.err;
        EXPECT_TRUE(valid_utf8(r.out)) << "-n " << n << ": " << ::testing::PrintToString(r.out);
    }
}
