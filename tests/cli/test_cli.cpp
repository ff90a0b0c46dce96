// The ragppo binary as a user meets it: help, exit codes, one-line errors.
#include "ragppo.h"
#include "support/files.h"
#include "support/paths.h"
#include "support/process.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <sstream>

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

// The embedded default LLM answers greedily unless told otherwise (its preset,
// docs/MODELS.md): the seed changes nothing, and --temperature still samples.
TEST(Cli, TheEmbeddedLlmIsGreedyByDefaultAndTemperatureStillSamples) {
    auto text = [](const std::string & flags) {
        const auto r = run_command(ragppo_cmd("generate --offline -n 16 " + flags + " 'How do I make pancakes?'"));
        EXPECT_EQ(r.exit_code, 0) << flags << ": " << r.err;
        return r.out;
    };
    const std::string greedy = text("--temperature 0");
    ASSERT_FALSE(greedy.empty());
    EXPECT_EQ(text("--seed 1"), greedy);
    EXPECT_EQ(text("--seed 2"), greedy);
    // Sampled at a high temperature, three seeds do not all give the greedy text.
    const std::string a = text("--temperature 1.5 --seed 1"), b = text("--temperature 1.5 --seed 2"), c = text("--temperature 1.5 --seed 3");
    EXPECT_FALSE(a == greedy && b == greedy && c == greedy) << a;
    const auto help = run_command(ragppo_cmd("generate --help"));
    EXPECT_NE(help.out.find("Default: 0 with the embedded default LLM"), std::string::npos) << help.out;
}

// demo ranks its recipes with the same vector store `ragppo index` saves: three
// nearest recipes, by descending cosine.
TEST(Cli, DemoShowsTheThreeNearestRecipesByDescendingCosine) {
    const auto r = run_command(ragppo_cmd("demo --offline --n-recipes 16 --temperature 0 -n 4"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const size_t at = r.out.find("Nearest recipes (cosine similarity):\n");
    ASSERT_NE(at, std::string::npos) << r.out;
    std::istringstream lines(r.out.substr(at));
    std::string line;
    std::getline(lines, line);
    std::vector<double> scores;
    for (int i = 0; i < 3 && std::getline(lines, line); ++i) scores.push_back(std::stod(line));
    ASSERT_EQ(scores.size(), 3u) << r.out;
    EXPECT_TRUE(std::is_sorted(scores.rbegin(), scores.rend())) << r.out;
    EXPECT_GT(scores[0], 0.3) << r.out;  // chicken noodle soup is among the shared recipes' neighbours
    EXPECT_LE(scores[0], 1.0001) << r.out;
}

TEST(Cli, EvalRetrievalFindsIndexedRecipesByTheirNames) {
    const std::string dir = ragppo::test::make_temp_dir("ragppo_cli_retrieval_");
    // The first 40 shared recipes, as their own dataset (eval-retrieval draws from the index's dataset).
    auto all = nlohmann::json::parse(ragppo::test::read_file(ragppo::test::shared_data("recipes/recipes.json")));
    all.erase(all.begin() + 40, all.end());
    const std::string recipes = dir + "/recipes.json";
    ragppo::test::write_file(recipes, all.dump());
    ASSERT_EQ(run_command(ragppo_cmd("index --offline -d " + recipes + " -o " + dir + "/idx")).exit_code, 0);
    const auto r = run_command(ragppo_cmd("eval-retrieval --offline -i " + dir + "/idx --sample 40 -o " + dir + "/r.json"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(ragppo::test::read_file(dir + "/r.json"));
    EXPECT_EQ(j.at("queries").get<int>(), 40);
    EXPECT_GE(j.at("recall_at_1").get<double>(), 0.7) << j.dump();
    EXPECT_GE(j.at("recall_at_3").get<double>(), j.at("recall_at_1").get<double>());
    EXPECT_GE(j.at("mrr").get<double>(), j.at("recall_at_1").get<double>());
    std::filesystem::remove_all(dir);
}

// With the embedded LLM, a penalty flag left out takes the model's preset (1.1), and
// one given wins: the preset is what runs when nothing is said.
TEST(Cli, EmbeddedLlmRunsWithItsRepetitionPenaltyUnlessOneIsGiven) {
    const std::string base = "generate --offline --format raw --temperature 0 -n 40 'Stir. Stir. Stir. Stir. Stir.'";
    const auto preset = run_command(ragppo_cmd(base));
    const auto explicit_preset = run_command(ragppo_cmd(base + " --repeat-penalty 1.1"));
    const auto off = run_command(ragppo_cmd(base + " --repeat-penalty 1"));
    ASSERT_EQ(preset.exit_code, 0) << preset.err;
    ASSERT_EQ(off.exit_code, 0) << off.err;
    EXPECT_EQ(preset.out, explicit_preset.out);
    EXPECT_NE(preset.out, off.out);
    // Any other model starts from the reference's sampling: the same GGUF named by its
    // path is "another model" and runs without the penalty.
    ragppo::HubParams hub;
    hub.offline = true;
    const std::string gguf = ragppo::hub_resolve_gguf(ragppo::default_llm_id(), hub).local;
    const auto by_path = run_command(ragppo_cmd(base + " -m " + ragppo::test::shell_quote(gguf)));
    ASSERT_EQ(by_path.exit_code, 0) << by_path.err;
    EXPECT_EQ(by_path.out, off.out);
}
