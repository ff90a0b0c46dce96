// Where tests find fixtures, shared data, built binaries and the default models.
#pragma once

#include <string>

namespace ragppo::test {

inline std::string fixture(const std::string & name) { return std::string(RAGPPO_FIXTURES_DIR) + "/" + name; }
inline std::string shared_data(const std::string & rel) { return std::string(RAGPPO_SHARED_DATA_DIR) + "/" + rel; }
inline std::string bin(const std::string & name) { return std::string(RAGPPO_BIN_DIR) + "/" + name; }
// The build-tools venv's Python (reference libraries) and a file of the source tree (scripts/...).
inline std::string python() { return RAGPPO_TEST_PYTHON; }
inline std::string source(const std::string & rel) { return std::string(RAGPPO_SOURCE_DIR) + "/" + rel; }

// A fresh, empty directory under the system temp dir, removed by the OS eventually.
std::string make_temp_dir(const std::string & prefix);

}  // namespace ragppo::test
