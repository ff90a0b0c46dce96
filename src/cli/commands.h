// Each subcommand lives in its own cmd_*.cpp and registers itself on the app.
#pragma once
#include <CLI/CLI.hpp>

namespace ragppo {
struct QueryEngineParams;
}

namespace ragppo::cli {

// Registration functions, one per subcommand file. Each returns the subcommand so
// main can tell which one ran; the callback set on it does the work.
void register_download(CLI::App & app);
void register_embed(CLI::App & app);
void register_generate(CLI::App & app);
void register_demo(CLI::App & app);
void register_index(CLI::App & app);
void register_ask(CLI::App & app);
void register_compare(CLI::App & app);  // compare and eval-answers
void register_eval_retrieval(CLI::App & app);
void register_ppo(CLI::App & app);  // ppo and summarize-eval
void register_system_info(CLI::App & app);
void register_verify(CLI::App & app);
void register_serve(CLI::App & app);  // src/serve/ does the work

// One line: versions, CPU, ggml variant, threads (the first line of a --verbose run).
std::string system_info_line();

// Flags shared by ask, compare and the evaluations: index, top-k, response mode, LLM, sampling.
void add_query_engine_options(CLI::App * cmd, QueryEngineParams & p);

}  // namespace ragppo::cli
