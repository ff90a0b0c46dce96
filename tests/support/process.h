// Run a command line in a shell and capture what it printed, for CLI and
// reference-tool tests.
#pragma once

#include "util/loopback_port.h"

#include <string>

namespace ragppo::test {

struct CommandResult {
    int exit_code = -1;
    std::string out;  // stdout
    std::string err;  // stderr
};

CommandResult run_command(const std::string & command_line);

// Quote one argument for /bin/sh.
std::string shell_quote(const std::string & s);

// A TCP port on 127.0.0.1 that nothing listens on now (util/loopback_port.h).
using util::free_loopback_port;

}  // namespace ragppo::test
