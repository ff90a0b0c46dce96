// Output directories as a user meets them: `ragppo index -o` and `ragppo ppo -o`
// write only into a directory that is new, empty, or theirs (an index; a PPO run),
// refuse anything else before any work with a one-line error naming it, and never
// let two writers of one index or run both proceed.
#include "support/files.h"
#include "support/paths.h"
#include "support/process.h"
#include "util/file_lock.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using ragppo::test::ragppo_cmd;
using ragppo::test::read_file;
using ragppo::test::run_command;
using ragppo::test::shell_quote;
using ragppo::test::user_folder;
using ragppo::test::expect_user_folder_intact;
using ragppo::test::write_file;
namespace fs = std::filesystem;

namespace {

int count_lines(const std::string & s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

std::string recipes_json() { return shell_quote(ragppo::test::shared_data("recipes/recipes.json")); }
std::string recipenlg_csv() { return shell_quote(ragppo::test::shared_data("recipes/recipenlg_sample.csv")); }

std::string index_cmd(const std::string & data, int limit, const std::string & out, const std::string & extra = "") {
    return ragppo_cmd("index --offline -t 1 -d " + data + " --limit " + std::to_string(limit) + " -o " + shell_quote(out) + " " + extra);
}

size_t index_documents(const fs::path & dir) {
    return nlohmann::json::parse(std::ifstream(dir / "manifest.json"))["counts"]["documents"].get<size_t>();
}

// PPO: the tiny summariser on a few CNN/DailyMail articles (tests/cli/test_ppo_cli.cpp).
std::string tiny_model() { return shell_quote(ragppo::test::fixture("ppo_tiny_lm")); }
std::string cnn_validation() { return shell_quote(ragppo::test::shared_data("cnn_dailymail/cnn_dailymail_validation.csv")); }
std::string small_ppo(const std::string & out, int steps, const std::string & extra = "") {
    return ragppo_cmd("ppo --offline -m " + tiny_model() + " -d " + cnn_validation() +
                      " --limit 12 --eval-samples 2 --steps " + std::to_string(steps) +
                      " --batch-size 2 --mini-batch-size 1 --ppo-epochs 1 --query-max-tokens 24 -n 6 --save-every 1 -t 1"
                      " --no-export --no-plots -o " + shell_quote(out) + " " + extra);
}

// Every file under `dir` with its size and a hash of its bytes (small enough for gtest
// to print on a mismatch). The run's lock file is left out: a writer that takes the
// lock records its pid there, which is not a change to the run.
std::map<std::string, std::string> snapshot(const fs::path & dir) {
    std::map<std::string, std::string> files;
    for (const auto & e : fs::recursive_directory_iterator(dir)) {
        if (!e.is_regular_file() || e.path().filename() == ".ragppo-run.lock") continue;
        const std::string bytes = read_file(e.path());
        files[fs::relative(e.path(), dir).string()] =
            std::to_string(bytes.size()) + " bytes, hash " + std::to_string(std::hash<std::string>{}(bytes));
    }
    return files;
}

}  // namespace

// ---------------------------------------------------------------- index

TEST(IndexOutput, AFolderOfUserFilesIsRefusedBeforeAnyWork) {
    const fs::path root = ragppo::test::make_temp_dir("ragppo_own_");
    const fs::path d = user_folder(root / "thesis");
    // The dataset does not exist: the directory check must come first to be the error.
    for (const std::string extra : {"", "--append"}) {
        const auto r = run_command(index_cmd("/nonexistent/recipes.csv", 3, d.string(), extra));
        EXPECT_EQ(r.exit_code, 1) << extra;
        EXPECT_EQ(count_lines(r.err), 1) << r.err;
        EXPECT_NE(r.err.find(d.string()), std::string::npos) << r.err;
        EXPECT_NE(r.err.find("not a ragppo index"), std::string::npos) << r.err;
        expect_user_folder_intact(d);
    }
    // A file is refused too, and kept.
    write_file(root / "notes.txt", "keep me");
    const auto f = run_command(index_cmd("/nonexistent/recipes.csv", 3, (root / "notes.txt").string()));
    EXPECT_EQ(f.exit_code, 1);
    EXPECT_NE(f.err.find("not an index directory"), std::string::npos) << f.err;
    EXPECT_EQ(read_file(root / "notes.txt"), "keep me");
}

TEST(IndexOutput, AppendNeedsAnIndexAndTheCurrentDirectoryIsRefusedUpFront) {
    const fs::path root = ragppo::test::make_temp_dir("ragppo_own_");
    const auto r = run_command(index_cmd("/nonexistent/recipes.csv", 3, (root / "none").string(), "--append"));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("no index at"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(root / "none"));

    fs::create_directory(root / "here");
    const auto dot = run_command("cd " + shell_quote((root / "here").string()) + " && " +
                                 index_cmd("/nonexistent/recipes.csv", 3, "."));
    EXPECT_EQ(dot.exit_code, 1);
    EXPECT_EQ(count_lines(dot.err), 1) << dot.err;
    EXPECT_NE(dot.err.find("current directory"), std::string::npos) << dot.err;
    EXPECT_TRUE(fs::is_empty(root / "here"));
}

TEST(IndexOutput, TrailingSlashBuildsThenAppends) {
    const fs::path root = ragppo::test::make_temp_dir("ragppo_own_");
    const auto a = run_command(index_cmd(recipes_json(), 2, (root / "idx").string() + "/"));
    ASSERT_EQ(a.exit_code, 0) << a.err;
    EXPECT_EQ(index_documents(root / "idx"), 2u);
    const auto b = run_command(index_cmd(recipes_json(), 4, (root / "idx").string() + "/", "--append"));
    ASSERT_EQ(b.exit_code, 0) << b.err;
    EXPECT_EQ(index_documents(root / "idx"), 4u);
    // Only the index and its lock file beside it.
    std::set<std::string> names;
    for (const auto & e : fs::directory_iterator(root)) names.insert(e.path().filename().string());
    EXPECT_EQ(names, (std::set<std::string>{"idx", ".idx.lock"}));
}

TEST(IndexOutput, ASecondWriterFailsWithTheHoldersPid) {
    const fs::path root = ragppo::test::make_temp_dir("ragppo_own_");
    ASSERT_EQ(run_command(index_cmd(recipes_json(), 2, (root / "idx").string())).exit_code, 0);
    const std::string before = read_file(root / "idx" / "manifest.json");
    {
        // This test process plays the other writer: it holds the index's lock.
        const auto lock = ragppo::util::FileLock::acquire(root / ".idx.lock", "test");
        const auto r = run_command(index_cmd(recipes_json(), 4, (root / "idx").string(), "--append"));
        EXPECT_EQ(r.exit_code, 1);
        EXPECT_EQ(count_lines(r.err), 1) << r.err;
        EXPECT_NE(r.err.find("index " + (root / "idx").string() + " is being written by another ragppo process (pid " +
                             std::to_string(getpid()) + ")"),
                  std::string::npos)
            << r.err;
    }
    EXPECT_EQ(read_file(root / "idx" / "manifest.json"), before);
}

TEST(IndexOutput, TwoConcurrentAppendsNeverSilentlyLoseOne) {
    // The bug report's case: two appends at once both said "added" and the index held
    // one side's recipes only. Now each one either lands or fails saying why.
    const fs::path root = ragppo::test::make_temp_dir("ragppo_own_");
    const std::string idx = (root / "idx").string();
    ASSERT_EQ(run_command(index_cmd(recipes_json(), 2, idx)).exit_code, 0);
    const std::string a = index_cmd(recipes_json(), 5, idx, "--append");         // +3 recipes
    const std::string b = index_cmd(recipenlg_csv(), 4, idx, "--append");        // +4 recipes
    const std::string r = (root / "r").string();
    run_command("(" + a + " >" + r + ".a.out 2>" + r + ".a.err; echo $? >" + r + ".a.rc) & (" + b + " >" + r + ".b.out 2>" +
                r + ".b.err; echo $? >" + r + ".b.rc) & wait");
    size_t expect = 2;
    for (const auto & [side, added] : {std::pair<std::string, size_t>{"a", 3}, {"b", 4}}) {
        const int rc = std::stoi(read_file(r + "." + side + ".rc"));
        const std::string err = read_file(r + "." + side + ".err");
        if (rc == 0) {
            expect += added;
        } else {
            EXPECT_EQ(rc, 1) << side << ": " << err;
            EXPECT_NE(err.find("is being written by another ragppo process"), std::string::npos) << side << ": " << err;
        }
    }
    EXPECT_EQ(index_documents(idx), expect);
}

// ---------------------------------------------------------------- ppo

TEST(PpoOutput, AFolderOfUserFilesIsRefusedBeforeAnyWork) {
    const fs::path d = user_folder(fs::path(ragppo::test::make_temp_dir("ragppo_ppo_own_")) / "mine");
    // A user's own config.json, stats.jsonl, eval.json are never overwritten.
    write_file(d / "figures" / "config.json", "{\"mine\": true}");
    const auto before = snapshot(d);
    for (const std::string extra : {"", "--overwrite", "--resume"}) {
        const auto r = run_command(small_ppo(d.string(), 1, extra));
        EXPECT_EQ(r.exit_code, 1) << extra;
        EXPECT_EQ(count_lines(r.err), 1) << extra << ": " << r.err;
        EXPECT_NE(r.err.find(d.string()), std::string::npos) << r.err;
        EXPECT_EQ(snapshot(d), before) << extra;
    }
}

TEST(PpoOutput, AnExistingRunIsReplacedOnlyWithOverwrite) {
    const std::string out = ragppo::test::make_temp_dir("ragppo_ppo_own_") + "/run";
    ASSERT_EQ(run_command(small_ppo(out, 2)).exit_code, 0);
    EXPECT_TRUE(fs::exists(fs::path(out) / "ragppo-run.json"));
    const auto before = snapshot(out);

    const auto again = run_command(small_ppo(out, 1));
    EXPECT_EQ(again.exit_code, 1);
    EXPECT_EQ(count_lines(again.err), 1) << again.err;
    EXPECT_NE(again.err.find("already holds a PPO run"), std::string::npos) << again.err;
    EXPECT_EQ(snapshot(out), before);  // stats, samples, config, eval, checkpoints all as they were

    const auto fresh = run_command(small_ppo(out, 1, "--overwrite"));
    ASSERT_EQ(fresh.exit_code, 0) << fresh.err;
    std::ifstream stats(fs::path(out) / "stats.jsonl");
    std::string line;
    std::vector<int> steps;
    while (std::getline(stats, line)) steps.push_back(nlohmann::json::parse(line)["step"]);
    EXPECT_EQ(steps, std::vector<int>{1});
    EXPECT_FALSE(fs::exists(fs::path(out) / "checkpoints" / "step-000002"));  // the old run's checkpoints went with it
}

TEST(PpoOutput, ResumeRestoresTheRunsSettingsAndRefusesContradictions) {
    const std::string out = ragppo::test::make_temp_dir("ragppo_ppo_own_") + "/run";
    ASSERT_EQ(run_command(small_ppo(out, 1)).exit_code, 0);

    // A contradicting flag names itself; nothing changes.
    const auto before = snapshot(out);
    for (const std::string flag : {"--eval-samples 5", "--lr 0.5", "--save-every 3", "--batch-size 4 --mini-batch-size 2"}) {
        const auto r = run_command(ragppo_cmd("ppo --offline --resume -t 1 --no-export --no-plots -o " + shell_quote(out) + " " + flag));
        EXPECT_EQ(r.exit_code, 1) << flag;
        EXPECT_EQ(count_lines(r.err), 1) << flag << ": " << r.err;
        const std::string name = flag.substr(0, flag.find(' '));
        EXPECT_NE(r.err.find(name), std::string::npos) << flag << ": " << r.err;
        EXPECT_NE(r.err.find("contradicts the resumed run"), std::string::npos) << flag << ": " << r.err;
    }
    EXPECT_EQ(snapshot(out), before);

    // Without -m, -d, --eval-samples, --limit, --save-every: all come from the run (the
    // default model would be the Hub one, absent offline; the default data too).
    const auto r = run_command(ragppo_cmd("ppo --offline --resume --steps 2 -t 1 --no-export --no-plots -o " + shell_quote(out)));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("resuming from"), std::string::npos) << r.out;
    const auto eval = nlohmann::json::parse(std::ifstream(fs::path(out) / "eval.json"));
    EXPECT_EQ(eval["before"]["n"], 2);
    EXPECT_EQ(eval["after"]["n"], 2);  // the same held-out set before and after
    EXPECT_TRUE(fs::exists(fs::path(out) / "checkpoints" / "step-000002"));
}

TEST(PpoOutput, ASecondWriterOfARunFailsAndStaleTempsOfDeadWritersGo) {
    const std::string out = ragppo::test::make_temp_dir("ragppo_ppo_own_") + "/run";
    ASSERT_EQ(run_command(small_ppo(out, 1)).exit_code, 0);
    {
        const auto lock = ragppo::util::FileLock::acquire(fs::path(out) / ".ragppo-run.lock", "test");
        const auto before = snapshot(out);
        const auto r = run_command(small_ppo(out, 2, "--resume"));
        EXPECT_EQ(r.exit_code, 1);
        EXPECT_EQ(count_lines(r.err), 1) << r.err;
        EXPECT_NE(r.err.find("is being written by another ragppo process (pid " + std::to_string(getpid()) + ")"),
                  std::string::npos)
            << r.err;
        EXPECT_EQ(snapshot(out), before);
    }
    // A checkpoint writer killed mid-write left its temp dir (of a step the run will
    // not write again); the next writer removes it once that pid is gone.
    const pid_t dead = fork();
    if (dead == 0) _exit(0);
    waitpid(dead, nullptr, 0);
    const fs::path stale = fs::path(out) / "checkpoints" / (".step-000009.tmp-" + std::to_string(dead) + "-0");
    write_file(stale / "policy.pt", std::string(1000, 'x'));
    const auto r = run_command(small_ppo(out, 2, "--resume"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_FALSE(fs::exists(stale));
}
