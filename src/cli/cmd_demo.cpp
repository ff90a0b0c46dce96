#include "cli/commands.h"
namespace ragppo::cli {
void register_demo(CLI::App & app) { app.add_subcommand("demo", "(not yet implemented)"); }
}
