// Each subcommand lives in its own cmd_*.cpp and registers itself on the app.
#pragma once
#include <CLI/CLI.hpp>

namespace ragppo::cli {

// Registration functions, one per subcommand file. Each returns the subcommand so
// main can tell which one ran; the callback set on it does the work.
void register_download(CLI::App & app);
void register_embed(CLI::App & app);
void register_generate(CLI::App & app);
void register_demo(CLI::App & app);

}  // namespace ragppo::cli
