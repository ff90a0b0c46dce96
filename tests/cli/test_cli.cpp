// The ragppo binary as a user meets it: help, exit codes, one-line errors.
#include "ragppo.h"
#include "support/paths.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

using ragppo::test::bin;
using ragppo::test::run_command;

namespace {

std::string ragppo_cmd(const std::string & args) { return bin("ragppo") + " " + args; }

int count_lines(const std::string & s) {
    return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

}  // namespace

TEST(Cli, HelpListsTheSubcommands) {
    const auto r = run_command(ragppo_cmd("--help"));
    EXPECT_EQ(r.exit_code, 0);
    for (const char * sub : {"demo", "download", "embed", "generate", "index", "ask", "compare", "eval-answers",
                             "eval-retrieval", "ppo", "summarize-eval", "serve", "verify", "system-info"}) {
        EXPECT_NE(r.out.find(sub), std::string::npos) << sub << "\n" << r.out;
        // Each subcommand's own help builds its whole option set (catches clashing flags).
        const auto sub_help = run_command(ragppo_cmd(std::string(sub) + " --help"));
        EXPECT_EQ(sub_help.exit_code, 0) << sub << ": " << sub_help.err;
        EXPECT_NE(sub_help.out.find("Usage"), std::string::npos) << sub;
    }
}

// The reference samples with temperature 0.7 and, through transformers' GenerationConfig,
// top-k 50: every command that answers a question starts from that preset.
TEST(Cli, AnsweringCommandsSampleWithTheReferencePreset) {
    const ragppo::SamplingParams defaults;
    EXPECT_EQ(defaults.top_k, 50);
    EXPECT_FLOAT_EQ(defaults.temperature, 0.7f);
    EXPECT_FLOAT_EQ(defaults.top_p, 1.0f);
    for (const char * sub : {"generate", "ask", "compare", "serve"}) {
        const auto help = run_command(ragppo_cmd(std::string(sub) + " --help"));
        const size_t at = help.out.find("--top-k");
        ASSERT_NE(at, std::string::npos) << sub << "\n" << help.out;
        const std::string line = help.out.substr(at, help.out.find('\n', at) - at);
        EXPECT_NE(line.find("=50 "), std::string::npos) << sub << ": " << line;  // CLI11 shows "INT:>= 0=50"
    }
}

TEST(Cli, IndexOfAMissingFileIsAOneLineErrorAndWritesNothing) {
    const std::string dir = ragppo::test::make_temp_dir("ragppo_cli_idx_");
    const auto r = run_command(ragppo_cmd("index --offline -d " + dir + "/none.csv -o " + dir + "/idx"));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir + "/idx"));
}

TEST(Cli, UnknownSubcommandOrFlagFails) {
    EXPECT_NE(run_command(ragppo_cmd("frobnicate")).exit_code, 0);
    EXPECT_NE(run_command(ragppo_cmd("generate --no-such-flag hi")).exit_code, 0);
    EXPECT_NE(run_command(ragppo_cmd("generate")).exit_code, 0);  // the prompt is required
}

TEST(Cli, MissingModelIsAOneLineError) {
    const auto r = run_command(ragppo_cmd("generate --offline -m /nonexistent/model.gguf hello"));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_EQ(r.err.rfind("ragppo: error: ", 0), 0u) << r.err;
}

TEST(Cli, EmbedWithNoTextIsAOneLineError) {
    const auto r = run_command(ragppo_cmd("embed --offline"));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("nothing to embed"), std::string::npos) << r.err;
}

TEST(Cli, EmbedPrintsOneVectorPerText) {
    const auto r = run_command(ragppo_cmd("embed --offline 'boil the pasta' 'chop the onions'"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(count_lines(r.out), 2);
    const auto first = r.out.substr(0, r.out.find('\n'));
    EXPECT_EQ(std::count(first.begin(), first.end(), ','), 383) << first.substr(0, 200);
}

TEST(Cli, GenerateStreamsAReply) {
    const auto r = run_command(ragppo_cmd("generate --offline --temperature 0 -n 8 'Say hello.'"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_GT(r.out.size(), 1u);
    EXPECT_NE(r.err.find("generated"), std::string::npos) << r.err;
}
