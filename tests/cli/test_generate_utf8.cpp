// `ragppo generate -n N` streams whole UTF-8 characters only: output cut by -n in the
// middle of a multi-byte character (an emoji is several byte-level tokens) ends before
// it instead of in a broken sequence. The prompt asks for emojis so the cut lands
// inside one for some N.
#include "support/files.h"
#include "support/paths.h"
#include "support/process.h"

#include <gtest/gtest.h>

using ragppo::test::bin;
using ragppo::test::run_command;
using ragppo::test::valid_utf8;

TEST(CliGenerate, OutputCutByMaxTokensIsValidUtf8) {
    for (int n = 1; n <= 6; ++n) {
        const auto r = run_command(bin("ragppo") + " generate --offline -t 1 --format raw --temperature 0 -n " +
                                   std::to_string(n) + " '\xF0\x9F\x8D\x95\xF0\x9F\x8D\x95\xF0\x9F\x8D\x95 pizza? \xF0\x9F\x8D\x95'");
        ASSERT_EQ(r.exit_code, 0) << r.err;
        EXPECT_TRUE(valid_utf8(r.out)) << "-n " << n << ": " << ::testing::PrintToString(r.out);
    }
}
