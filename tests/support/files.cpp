#include "support/files.h"

#include <fstream>
#include <sstream>

namespace ragppo::test {

std::string read_file(const std::filesystem::path & p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const std::filesystem::path & p, const std::string & content) {
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
}

int count_words(const std::string & s) {
    std::istringstream in(s);
    int n = 0;
    for (std::string w; in >> w;) ++n;
    return n;
}

}  // namespace ragppo::test
