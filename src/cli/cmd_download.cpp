#include "cli/commands.h"
namespace ragppo::cli {
void register_download(CLI::App & app) { app.add_subcommand("download", "(not yet implemented)"); }
}
