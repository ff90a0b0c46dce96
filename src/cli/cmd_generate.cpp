#include "cli/commands.h"
namespace ragppo::cli {
void register_generate(CLI::App & app) { app.add_subcommand("generate", "(not yet implemented)"); }
}
