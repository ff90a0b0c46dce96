// The RAG-only binary (RAGPPO_WITH_TORCH=OFF, what scripts/sanitize.sh builds): the
// training commands still exist and say in one line why they cannot run. Built only
// into that configuration (tests/CMakeLists.txt).
#include "support/paths.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <algorithm>

using ragppo::test::bin;
using ragppo::test::run_command;

TEST(RagOnlyBuild, TrainingCommandsSayTheyNeedLibtorchInOneLine) {
    for (const char * args : {"ppo -m gpt2 --steps 3 --batch-size 4", "summarize-eval -m some/model -d x.csv"}) {
        const auto r = run_command(bin("ragppo") + " " + args);
        EXPECT_EQ(r.exit_code, 1) << args << "\n" << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_NE(r.err.find("needs libtorch"), std::string::npos) << r.err;
    }
    const auto help = run_command(bin("ragppo") + " ppo --help");
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find("without libtorch"), std::string::npos) << help.out;
}

TEST(RagOnlyBuild, SystemInfoSaysLibtorchIsNotBuilt) {
    const auto r = run_command(bin("ragppo") + " system-info");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("not built (RAGPPO_WITH_TORCH=OFF)"), std::string::npos) << r.out;
}
