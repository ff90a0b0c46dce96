#include "util/atomic_file.h"

#include "ragppo.h"

#include <cstdio>
#include <filesystem>
#include <unistd.h>

namespace ragppo::util {

void write_file_atomic(const std::string & path, const std::string & content) {
    const std::filesystem::path target(path);
    if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path());
    const std::string tmp = path + ".tmp-" + std::to_string(getpid());
    FILE * f = std::fopen(tmp.c_str(), "wb");
    if (f == nullptr) throw Error("cannot write " + path);
    const bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size() && std::fflush(f) == 0 &&
                    fsync(fileno(f)) == 0;
    std::fclose(f);
    if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        throw Error("failed writing " + path);
    }
}

}  // namespace ragppo::util
