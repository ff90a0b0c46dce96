// `ragppo serve` driven by real clients outside C++: the web page in headless
// chromium (Selenium) and LlamaIndex's OpenAI-compatible LLM and embedding classes.
// The checks themselves are Python scripts beside this file; here the server is
// started, the script run, and what it left behind (log lines, a screenshot) checked.
#include "serve/serve_process.h"
#include "support/files.h"
#include "support/paths.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>

using ragppo::test::ServeProcess;
using ragppo::test::run_command;
using ragppo::test::shell_quote;

namespace {

std::string small_index() { return ragppo::test::build_small_index(ragppo::test::make_temp_dir("ragppo_serve_clients_"), 10); }

size_t count(const std::string & text, const std::string & what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

}  // namespace

TEST(ServeClients, TheWebPageShowsBothAnswersAndTheSourcesInABrowser) {
    // -k 3: three recipes to show; -n 8 and greedy: short, repeatable answers.
    ServeProcess s("-t 2 -k 3 -n 8 --temperature 0 -i " + shell_quote(small_index()));
    // Under the build dir (beside bin/), where a failed run's picture can be looked at.
    const auto shots = std::filesystem::path(ragppo::test::bin("ragppo")).parent_path().parent_path() / "test-screenshots";
    std::filesystem::create_directories(shots);
    const std::string shot = (shots / "serve_web_page.png").string();
    std::filesystem::remove(shot);

    const auto r = run_command(ragppo::test::python() + " " + ragppo::test::source("tests/serve/browser_check.py") + " " + s.base_url() +
                               " 3 " + shell_quote("salmon crepes with creamy sage pesto") + " " + shell_quote(shot));
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("browser: ok"), std::string::npos) << r.out << r.err;

    // A real picture of the page, not an empty file.
    ASSERT_TRUE(std::filesystem::exists(shot)) << shot;
    EXPECT_GT(std::filesystem::file_size(shot), 10000u) << shot;
    EXPECT_EQ(ragppo::test::read_file(shot).substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));

    // The page asked the server itself: the page, then one streamed answer per model.
    const std::string log = s.log();
    EXPECT_EQ(count(log, "ragppo serve: GET / 200"), 1u) << log;
    EXPECT_EQ(count(log, "ragppo serve: POST /v1/chat/completions 200"), 2u) << log;
    EXPECT_EQ(s.stop(), 0) << log;
}

TEST(ServeClients, LlamaIndexBuildsAnIndexAndAnswersThroughTheServer) {
    ServeProcess s("-t 2 -k 1 -i " + shell_quote(small_index()));
    const auto r = run_command(ragppo::test::python() + " " + ragppo::test::source("tests/serve/llamaindex_client_check.py") + " " +
                               s.base_url());
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("llamaindex client: ok"), std::string::npos) << r.out << r.err;
    // Documents and the query embedded here (LlamaIndex batches the three documents in one call).
    const std::string log = s.log();
    EXPECT_GE(count(log, "ragppo serve: POST /v1/embeddings 200"), 2u) << log;
    EXPECT_EQ(count(log, "ragppo serve: POST /v1/chat/completions 200"), 1u) << log;
    EXPECT_EQ(s.stop(), 0) << log;
}
