#include "support/files.h"

#include "support/paths.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <sstream>

namespace ragppo::test {

nlohmann::json read_fixture_json(const std::string & name) {
    std::ifstream in(fixture(name));
    if (!in) throw std::runtime_error("fixture " + name + " missing: run the make_reference_fixtures test first");
    return nlohmann::json::parse(in);
}


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

void flip_middle_byte(const std::filesystem::path & p) {
    std::string bytes = read_file(p);
    bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x01);
    write_file(p, bytes);
}

int count_words(const std::string & s) {
    std::istringstream in(s);
    int n = 0;
    for (std::string w; in >> w;) ++n;
    return n;
}

bool valid_utf8(const std::string & s) {
    size_t i = 0;
    while (i < s.size()) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        const size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (len == 0 || i + len > s.size()) return false;
        for (size_t k = 1; k < len; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += len;
    }
    return true;
}

std::filesystem::path user_folder(const std::filesystem::path & dir) {
    write_file(dir / "thesis.txt", "chapter one");
    write_file(dir / "figures" / "fig1.txt", "a figure");
    return dir;
}

void expect_user_folder_intact(const std::filesystem::path & dir) {
    namespace fs = std::filesystem;
    EXPECT_EQ(read_file(dir / "thesis.txt"), "chapter one");
    EXPECT_EQ(read_file(dir / "figures" / "fig1.txt"), "a figure");
    EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 2);
}

}  // namespace ragppo::test
