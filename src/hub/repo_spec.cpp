// Hub id syntax. Validation is strict because ids become cache folder names and URLs.
#include "hub/repo_spec.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace ragppo::hub {
namespace {

bool valid_id_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

// One or two segments of [A-Za-z0-9._-], none empty, none "." or "..".
bool valid_repo_id(const std::string & id) {
    return !id.empty() && id.size() <= 256 && std::count(id.begin(), id.end(), '/') <= 1 &&
           std::all_of(id.begin(), id.end(), [](char c) { return c == '/' || valid_id_char(c); }) && valid_repo_path(id);
}

// Revisions become ref file names (refs/<rev>), so no "..", no leading '/'.
bool valid_revision(const std::string & rev) {
    if (rev.empty() || rev.front() == '/' || rev.back() == '/') return false;
    if (rev.find("..") != std::string::npos || rev.find('\\') != std::string::npos) return false;
    return std::none_of(rev.begin(), rev.end(), [](unsigned char c) { return c < 0x20 || c == ' '; });
}

}  // namespace

std::string expand_user(const std::string & path) {
    const char * home = std::getenv("HOME");
    if (home && (path == "~" || path.rfind("~/", 0) == 0)) {
        return home + path.substr(1);
    }
    return path;
}

bool looks_local(const std::string & spec) {
    std::error_code ec;
    if (spec.empty()) return false;
    if (std::filesystem::exists(expand_user(spec), ec)) return true;
    if (spec.front() == '/' || spec.front() == '~' || spec.rfind("./", 0) == 0 || spec.rfind("../", 0) == 0) return true;
    if (std::count(spec.begin(), spec.end(), '/') > 1) return true;
    return spec.size() > 5 && spec.compare(spec.size() - 5, 5, ".gguf") == 0;
}

RepoSpec parse_repo_spec(const std::string & spec, bool allow_quant) {
    RepoSpec out;
    std::string rest = spec;
    if (auto colon = rest.rfind(':'); colon != std::string::npos) {
        if (!allow_quant) {
            throw Error("'" + spec + "': a ':quant' tag only applies to GGUF models");
        }
        out.quant = rest.substr(colon + 1);
        rest.resize(colon);
        if (out.quant.empty()) throw Error("'" + spec + "': empty quant tag after ':'");
    }
    if (auto at = rest.find('@'); at != std::string::npos) {
        out.revision = rest.substr(at + 1);
        rest.resize(at);
        if (!valid_revision(out.revision)) throw Error("'" + spec + "': invalid revision '" + out.revision + "'");
    }
    if (!valid_repo_id(rest)) {
        throw Error("'" + spec + "' is neither an existing local path nor a Hub id (org/name[@revision])");
    }
    out.repo = rest;
    return out;
}

bool valid_repo_path(const std::string & p) {
    if (p.empty() || p.front() == '/') return false;
    for (size_t start = 0;;) {
        size_t end = p.find('/', start);
        std::string seg = p.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (seg.empty() || seg == "." || seg == "..") return false;
        if (end == std::string::npos) return true;
        start = end + 1;
    }
}

bool is_commit_hash(const std::string & s) {
    return s.size() == 40 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
        return std::isdigit(c) || (c >= 'a' && c <= 'f');
    });
}

std::string repo_folder(const std::string & repo, RepoType type) {
    std::string name = (type == RepoType::Dataset ? "datasets--" : "models--") + repo;
    for (size_t pos = 0; (pos = name.find('/', pos)) != std::string::npos; pos += 2) {
        name.replace(pos, 1, "--");
    }
    return name;
}

const char * type_route(RepoType type) { return type == RepoType::Dataset ? "datasets" : "models"; }
const char * type_word(RepoType type) { return type == RepoType::Dataset ? "dataset" : "model"; }

}  // namespace ragppo::hub
