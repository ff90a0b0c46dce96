#include "support/files.h"
#include "support/process.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace ragppo::test {

namespace {

std::string slurp(const std::string & path) { return read_file(path); }

}  // namespace

std::string shell_quote(const std::string & s) {
    std::string q = "'";
    for (char c : s) {
        if (c == '\'') q += "'\\''";
        else q += c;
    }
    return q + "'";
}

CommandResult run_command(const std::string & command_line) {
    const auto dir = std::filesystem::temp_directory_path();
    const std::string tag = std::to_string(getpid()) + "_" + std::to_string(rand());
    const std::string out_path = (dir / ("ragppo_out_" + tag)).string();
    const std::string err_path = (dir / ("ragppo_err_" + tag)).string();
    const std::string full = command_line + " >" + out_path + " 2>" + err_path + " </dev/null";
    const int status = std::system(full.c_str());
    CommandResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out_path);
    r.err = slurp(err_path);
    std::filesystem::remove(out_path);
    std::filesystem::remove(err_path);
    return r;
}

}  // namespace ragppo::test
