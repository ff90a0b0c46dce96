#include "support/paths.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace ragppo::test {

std::string make_temp_dir(const std::string & prefix) {
    std::string templ = (std::filesystem::temp_directory_path() / (prefix + "XXXXXX")).string();
    if (mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    return templ;
}

}  // namespace ragppo::test
