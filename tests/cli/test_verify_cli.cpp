// `ragppo verify IDX` checks every byte of an index against its manifest's CRC-32C and
// names the bad file; `index --append --no-verify` loads a damaged index the default
// refuses (for huge indexes, where the check costs about 0.3 s per GB).
#include "support/files.h"
#include "support/paths.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

using ragppo::test::bin;
using ragppo::test::ragppo_cmd;
using ragppo::test::read_file;
using ragppo::test::run_command;
using ragppo::test::shell_quote;
using ragppo::test::write_file;
namespace fs = std::filesystem;

namespace {

std::string append_cmd(const fs::path & idx, int limit, const std::string & extra = "") {
    return ragppo_cmd("index --offline -t 2 -d " + shell_quote(ragppo::test::shared_data("recipes/recipes.json")) + " --limit " +
                  std::to_string(limit) + " -o " + shell_quote(idx.string()) + " " + extra);
}

}  // namespace

TEST(CliVerify, ACorruptIndexFileIsNamedAndNoVerifyLoadsIt) {
    const fs::path dir = ragppo::test::make_temp_dir("ragppo_verify_cli_");
    const fs::path idx = dir / "idx";
    ASSERT_EQ(run_command(append_cmd(idx, 2)).exit_code, 0);

    const auto ok = run_command(ragppo_cmd("verify " + shell_quote(idx.string())));
    EXPECT_EQ(ok.exit_code, 0) << ok.err;
    EXPECT_EQ(ok.out.rfind("OK " + idx.string() + ": index of ", 0), 0u) << ok.out;

    // Change one byte of a node's text (after its name's separator): same size, still parses.
    std::string nodes = read_file(idx / "nodes.bin");
    const size_t at = nodes.find(" \n\n ");
    ASSERT_NE(at, std::string::npos);
    nodes[at + 4] = nodes[at + 4] == 'x' ? 'y' : 'x';
    write_file(idx / "nodes.bin", nodes);

    const auto bad = run_command(ragppo_cmd("verify " + shell_quote(idx.string())));
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
    EXPECT_NE(bad.err.find((idx / "nodes.bin").string() + " is corrupt"), std::string::npos) << bad.err;

    const auto refused = run_command(append_cmd(idx, 3, "--append"));
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.err.find("nodes.bin is corrupt"), std::string::npos) << refused.err;

    const auto skipped = run_command(append_cmd(idx, 3, "--append --no-verify"));
    EXPECT_EQ(skipped.exit_code, 0) << skipped.err;
    EXPECT_EQ(skipped.out.find("(0 added)"), std::string::npos) << skipped.out;
    // The append wrote a new index with fresh checksums.
    EXPECT_EQ(run_command(ragppo_cmd("verify " + shell_quote(idx.string()))).exit_code, 0);

    const auto neither = run_command(ragppo_cmd("verify " + shell_quote(dir.string())));
    EXPECT_EQ(neither.exit_code, 1);
    EXPECT_NE(neither.err.find("is not an index, a PPO run or a PPO checkpoint"), std::string::npos) << neither.err;

    for (const char * cmd : {"ask", "index"}) {
        const auto help = run_command(bin("ragppo") + " " + cmd + " --help");
        EXPECT_NE(help.out.find("--no-verify"), std::string::npos) << cmd;
    }
}
