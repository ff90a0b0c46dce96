// Every numeric flag is checked against its real range, and an empty question or
// prompt is refused: each bad value below ends in exit code 1 and one line
// "ragppo: error: <flag> ..." before any model or data is read.
#include "support/paths.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

using ragppo::test::bin;
using ragppo::test::run_command;
using ragppo::test::shell_quote;

namespace {

struct BadFlag {
    const char * args;    // after `ragppo`
    const char * needle;  // what the message must say
};

// No model or data is needed: a check that passed would go on to load one and fail
// later, with another message (the paths below do not exist).
const BadFlag kBad[] = {
    {"generate --top-p 2 hi", "--top-p must be in (0, 1], got 2"},
    {"generate --top-p 0 hi", "--top-p must be in (0, 1], got 0"},
    {"generate --top-k=-5 hi", "--top-k must be >= 0, got -5"},
    {"generate --temperature=-1 hi", "--temperature must be >= 0, got -1"},
    {"generate --repeat-penalty 0 hi", "--repeat-penalty must be > 0, got 0"},
    {"generate --presence-penalty 3 hi", "--presence-penalty must be in [-2, 2], got 3"},
    {"generate --frequency-penalty nan hi", "--frequency-penalty must be a finite number"},
    {"generate --min-p 1.5 hi", "--min-p must be in [0, 1], got 1.5"},
    {"generate --repeat-last-n=-1 hi", "--repeat-last-n must be >= 0, got -1"},
    {"ask -i /nonexistent/idx --min-p=-1 q", "--min-p must be in [0, 1]"},
    {"generate --temperature nan hi", "--temperature must be a finite number"},
    {"generate --temperature inf hi", "--temperature must be a finite number"},
    {"generate --temperature warm hi", "--temperature must be a number, got 'warm'"},
    {"generate -n 0 hi", "-n/--max-new-tokens must be between 1 and"},
    {"generate --seed=-1 hi", "--seed must be >= 0, got -1"},
    {"generate --seed 4294967296 hi", "--seed must be at most 4294967295"},
    {"generate ''", "the prompt is empty"},
    {"generate '  \t '", "the prompt is empty"},
    {"ask -i /nonexistent/idx -k 100000 q", "-k/--similarity-top-k must be between 1 and 1000, got 100000"},
    {"ask -i /nonexistent/idx -k 0 q", "-k/--similarity-top-k must be between 1 and 1000, got 0"},
    {"ask -i /nonexistent/idx '   '", "the question is empty"},
    {"ask -i /nonexistent/idx --top-p 1.5 q", "--top-p must be in (0, 1]"},
    {"compare -i /nonexistent/idx --sample 0", "--sample must be between 1 and"},
    {"eval-retrieval -i /nonexistent/idx --depth 0", "--depth must be between 1 and 1000"},
    {"index -d /nonexistent.csv --chunk-size 0", "--chunk-size must be between 1 and"},
    {"index -d /nonexistent.csv --limit=-1", "--limit must be >= 0, got -1"},
    {"index -d /nonexistent.csv -o ''", "the index directory (-o) is empty"},
    {"demo -q ''", "the question is empty"},
    {"ppo -d /nonexistent.csv --steps 0", "--steps must be between 1 and"},
    {"ppo -d /nonexistent.csv --save-every=-1", "--save-every must be between 0 and"},
    {"ppo -d /nonexistent.csv --keep-checkpoints 0", "--keep-checkpoints must be between 1 and"},
    {"ppo -d /nonexistent.csv --keep-checkpoints=-1", "--keep-checkpoints must be between 1 and"},
    {"ppo -d /nonexistent.csv --batch-size 100000", "--batch-size must be between 1 and 1024, got 100000"},
    {"ppo -d /nonexistent.csv --mini-batch-size 0", "--mini-batch-size must be between 1 and 1024"},
    {"ppo -d /nonexistent.csv --eval-samples=-1", "--eval-samples must be between 0 and"},
    {"ppo -d /nonexistent.csv --top-p 2", "--top-p must be in (0, 1]"},
    {"ppo -d /nonexistent.csv --temperature nan", "--temperature must be a finite number"},
    {"ppo -d /nonexistent.csv --lr 0", "--lr must be > 0, got 0"},
    {"ppo -d /nonexistent.csv --gamma 1.5", "--gamma must be in [0, 1], got 1.5"},
    {"ppo -d /nonexistent.csv --ppo-epochs 0", "--ppo-epochs must be between 1 and 1000"},
    {"ppo -d /nonexistent.csv --batch-size 8 --mini-batch-size 3", "--batch-size 8 must be a multiple of --mini-batch-size 3"},
    {"ppo -d /nonexistent.csv --resume --overwrite", "--resume and --overwrite exclude each other"},
    {"summarize-eval -d /nonexistent.csv --batch-size 0", "--batch-size must be between 1 and 1024"},
};

}  // namespace

TEST(CliFlags, OutOfRangeValuesAreOneLineErrorsWithExitCode1) {
    const std::string out = ragppo::test::make_temp_dir("ragppo_flags_") + "/run";
    for (const auto & c : kBad) {
        std::string args = c.args;
        if (args.rfind("ppo ", 0) == 0) args += " --offline -o " + shell_quote(out);
        const auto r = run_command(bin("ragppo") + " " + args);
        EXPECT_EQ(r.exit_code, 1) << c.args << "\n" << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << c.args << "\n" << r.err;
        EXPECT_EQ(r.err.rfind("ragppo: error: ", 0), 0u) << c.args << "\n" << r.err;
        EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.args << "\n" << r.err;
    }
    EXPECT_FALSE(std::filesystem::exists(out));  // no check wrote anything
}

TEST(CliFlags, HelpStatesTheLimits) {
    const auto ask = run_command(bin("ragppo") + " ask --help");
    EXPECT_NE(ask.out.find("1..1000"), std::string::npos) << ask.out;
    const auto ppo = run_command(bin("ragppo") + " ppo --help");
    EXPECT_NE(ppo.out.find("1..1024"), std::string::npos) << ppo.out;
    EXPECT_NE(ppo.out.find("--overwrite"), std::string::npos) << ppo.out;
    const auto gen = run_command(bin("ragppo") + " generate --help");
    EXPECT_NE(gen.out.find("(0, 1]"), std::string::npos) << gen.out;
}

TEST(CliFlags, ValuesInRangeStillParse) {
    // Boundary values are accepted: these fail later, on the missing model or index.
    for (const char * args : {"generate --offline -m /nonexistent/m.gguf --top-p 1 --top-k 0 --temperature 0 -n 1 hi",
                              "ask --offline -i /nonexistent/idx -k 1000 q"}) {
        const auto r = run_command(bin("ragppo") + " " + args);
        EXPECT_EQ(r.exit_code, 1) << args;
        for (const char * flag : {"--top-p", "--top-k", "--temperature", "--max-new-tokens", "--similarity-top-k"})
            EXPECT_EQ(r.err.find(flag), std::string::npos) << args << "\n" << r.err;
        EXPECT_NE(r.err.find("/nonexistent/"), std::string::npos) << args << "\n" << r.err;
    }
}
