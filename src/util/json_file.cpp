#include "util/json_file.h"

#include "ragppo.h"

#include <fstream>

namespace ragppo::util {

nlohmann::json read_json_object(const std::filesystem::path & path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot read " + path.string());
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception & e) {
        throw Error(path.string() + ": not valid JSON (" + e.what() + ")");
    }
    if (!j.is_object()) throw Error(path.string() + ": not a JSON object");
    return j;
}

}  // namespace ragppo::util
