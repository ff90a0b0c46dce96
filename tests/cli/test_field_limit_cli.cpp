// `ragppo index` on a row with a 10 MB field: the field is cut to --max-field-bytes
// (64 KiB by default) as it is read, so the recipe becomes a few dozen chunks instead
// of thousands (before: about 40 minutes of splitting and embedding), with one warning
// line per row naming it, capped, then a count.
#include "ragppo/index.h"
#include "support/files.h"
#include "support/paths.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>

using ragppo::test::bin;
using ragppo::test::run_command;
using ragppo::test::shell_quote;
using ragppo::test::write_file;
namespace fs = std::filesystem;

namespace {

std::string index_cmd(const fs::path & data, const fs::path & out, const std::string & extra = "") {
    return "OMP_NUM_THREADS=1 " + bin("ragppo") + " index --offline -t 2 -d " + shell_quote(data.string()) + " -o " +
           shell_quote(out.string()) + " " + extra;
}

size_t count_of(const std::string & s, const std::string & what) {
    size_t n = 0;
    for (size_t i = 0; (i = s.find(what, i)) != std::string::npos; i += what.size()) ++n;
    return n;
}

}  // namespace

TEST(CliFieldLimit, ATenMegabyteFieldIsIndexedIntoFewChunksWithAWarning) {
    const fs::path dir = ragppo::test::make_temp_dir("ragppo_field_cli_");
    std::string huge;  // 2- and 3-byte characters throughout, so the cut can fall inside one
    while (huge.size() < (10u << 20)) huge += "2 cups flour, 1 cup sugar, cr\xC3\xA8me fra\xC3\xAE" "che \xE2\x82\xAC" "3, ";
    // recipe_nlg_lite layout: plain string cells.
    write_file(dir / "huge.csv", "name,ingredients,steps,link\n"
                                 "cake,\"" + huge + "\",bake it,x.com/cake\n"
                                 "toast,bread,toast the bread,x.com/toast\n");
    const auto r = run_command(index_cmd(dir / "huge.csv", dir / "idx"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("warning: row 1 (line 2): ingredients cut to "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(" of " + std::to_string(huge.size()) + " bytes (--max-field-bytes 65536)"), std::string::npos) << r.err;
    EXPECT_EQ(count_of(r.err, "warning:"), 1u) << r.err;

    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.out, m, std::regex("(\\d+) nodes"))) << r.out;
    const size_t nodes = std::stoul(m[1]);
    EXPECT_GE(nodes, 2u);
    EXPECT_LE(nodes, 40u);  // 64 KiB of text in 1024-token chunks, and the toast; 10 MB made thousands

    const auto store = ragppo::vector_store_load((dir / "idx").string());
    size_t text_bytes = 0;
    for (size_t i = 0; i < ragppo::vector_store_size(*store); ++i) {
        const auto node = ragppo::vector_store_node(*store, i);
        EXPECT_TRUE(ragppo::test::valid_utf8(node.text)) << i;
        text_bytes += node.text.size();
    }
    EXPECT_LT(text_bytes, 2u * 65536);  // chunks of the cut field plus their overlaps
}

TEST(CliFieldLimit, WarningLinesAreCappedThenCountedAndZeroMeansNoLimit) {
    const fs::path dir = ragppo::test::make_temp_dir("ragppo_field_cli_");
    std::string csv = "name,ingredients,steps,link\n";
    for (int i = 0; i < 8; ++i)
        csv += "dish " + std::to_string(i) + "," + std::string(300, 'a' + i) + ",mix,x.com/" + std::to_string(i) + "\n";
    write_file(dir / "eight.csv", csv);

    const auto r = run_command(index_cmd(dir / "eight.csv", dir / "idx", "--max-field-bytes 100"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(count_of(r.err, "ingredients cut to 100 of 300 bytes (--max-field-bytes 100)"), 5u) << r.err;
    EXPECT_NE(r.err.find("warning: 3 more rows with a field cut to 100 bytes"), std::string::npos) << r.err;

    const auto whole = run_command(index_cmd(dir / "eight.csv", dir / "idx", "--max-field-bytes 0"));
    ASSERT_EQ(whole.exit_code, 0) << whole.err;
    EXPECT_EQ(whole.err.find("warning"), std::string::npos) << whole.err;

    const auto help = run_command(bin("ragppo") + " index --help");
    EXPECT_NE(help.out.find("--max-field-bytes"), std::string::npos) << help.out;
    EXPECT_NE(help.out.find("=65536"), std::string::npos) << help.out;
    EXPECT_NE(help.out.find("0 = no limit"), std::string::npos) << help.out;

    const auto bad = run_command(bin("ragppo") + " index --max-field-bytes -1");
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.err.find("--max-field-bytes"), std::string::npos) << bad.err;
}
