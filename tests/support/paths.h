// Where tests find fixtures, shared data, built binaries and the default models.
#pragma once

#include <string>

namespace ragppo::test {

// (Defined in paths.cpp, the one file that sees the build's absolute paths, so that the
// compile cache is shared between clones at different paths.)
std::string fixture(const std::string & name);
std::string shared_data(const std::string & rel);
std::string bin(const std::string & name);
// A `ragppo ARGS` command line for run_command, with FAISS's OpenMP on one thread (the
// CLI tests run beside nothing else, and spinning OpenMP threads only cost time).
std::string ragppo_cmd(const std::string & args);
// The build-tools venv's Python (reference libraries) and a file of the source tree (scripts/...).
std::string python();
std::string source(const std::string & rel);
// The bundled Hub cache holding the default models.
std::string bundled_hub();

// A fresh, empty directory under the system temp dir, removed by the OS eventually.
std::string make_temp_dir(const std::string & prefix);

}  // namespace ragppo::test
