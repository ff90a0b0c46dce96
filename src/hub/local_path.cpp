#include "hub/local_path.h"
#include "hub/repo_spec.h"

namespace ragppo::hub {

namespace fs = std::filesystem;

fs::path existing_local(const std::string & spec) {
    const fs::path p = fs::absolute(expand_user(spec));
    std::error_code ec;
    if (!fs::exists(p, ec)) throw Error("local path '" + spec + "' does not exist");
    return p;
}

HubFile local_file(const std::string & spec, const std::string & filename) {
    fs::path p = existing_local(spec);
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
        if (filename.empty() || !fs::is_regular_file(p / filename, ec)) {
            throw Error("file '" + filename + "' not found in local directory '" + spec + "'");
        }
        return HubFile{"", "", filename, (p / filename).string()};
    }
    return HubFile{"", "", p.filename().string(), p.string()};
}

}  // namespace ragppo::hub
