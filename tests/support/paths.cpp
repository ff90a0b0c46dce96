#include "support/paths.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace ragppo::test {

std::string fixture(const std::string & name) { return std::string(RAGPPO_FIXTURES_DIR) + "/" + name; }
std::string shared_data(const std::string & rel) { return std::string(RAGPPO_SHARED_DATA_DIR) + "/" + rel; }
std::string bin(const std::string & name) { return std::string(RAGPPO_BIN_DIR) + "/" + name; }

std::string ragppo_cmd(const std::string & args) { return "OMP_NUM_THREADS=1 " + bin("ragppo") + " " + args; }
std::string python() { return RAGPPO_TEST_PYTHON; }
std::string source(const std::string & rel) { return std::string(RAGPPO_SOURCE_DIR) + "/" + rel; }
std::string bundled_hub() { return RAGPPO_TEST_BUNDLED_HUB; }

std::string make_temp_dir(const std::string & prefix) {
    std::string templ = (std::filesystem::temp_directory_path() / (prefix + "XXXXXX")).string();
    if (mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    return templ;
}

}  // namespace ragppo::test
