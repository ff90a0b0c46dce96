// Error messages stay one short line whatever the input: a CSV header of 100,000
// columns is named by its first columns and a count, not listed in full (a million
// columns gave an 8.9 MB message).
#include "support/files.h"
#include "support/paths.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <algorithm>

using ragppo::test::bin;
using ragppo::test::run_command;
using ragppo::test::shell_quote;

TEST(CliErrors, AHugeHeaderGivesAShortOneLineError) {
    const std::string dir = ragppo::test::make_temp_dir("ragppo_wide_");
    std::string header, row;
    for (int i = 0; i < 100000; ++i) {
        header += (i ? "," : "") + std::string("column_") + std::to_string(i);
        row += (i ? "," : "") + std::string("x");
    }
    ragppo::test::write_file(dir + "/wide.csv", header + "\n" + row + "\n");
    const std::string csv = shell_quote(dir + "/wide.csv");
    for (const std::string args : {"index --offline -d " + csv + " -o " + shell_quote(dir + "/idx"),
                                   "summarize-eval --offline -m " + shell_quote(ragppo::test::fixture("ppo_tiny_lm")) +
                                       " -d " + csv}) {
        const auto r = run_command(bin("ragppo") + " " + args);
        EXPECT_EQ(r.exit_code, 1) << args;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err.substr(0, 500);
        EXPECT_LT(r.err.size(), 2000u) << r.err.substr(0, 500);
        EXPECT_NE(r.err.find("column_0, column_1"), std::string::npos) << r.err.substr(0, 500);
        EXPECT_NE(r.err.find("(99980 more)"), std::string::npos) << r.err.substr(0, 500);
    }
}
