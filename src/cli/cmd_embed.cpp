#include "cli/commands.h"
namespace ragppo::cli {
void register_embed(CLI::App & app) { app.add_subcommand("embed", "(not yet implemented)"); }
}
