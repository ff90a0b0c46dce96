#include "hub/gguf_pick.h"

#include "ragppo.h"

#include <algorithm>
#include <regex>

namespace ragppo::hub {
namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

std::string basename_lower(const std::string & path) {
    const auto slash = path.rfind('/');
    return lower(slash == std::string::npos ? path : path.substr(slash + 1));
}

bool is_word_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

}  // namespace

std::vector<std::string> gguf_models(const std::vector<std::string> & paths) {
    std::vector<std::string> out;
    for (const auto & p : paths) {
        const std::string name = basename_lower(p);
        if (name.size() > 5 && name.compare(name.size() - 5, 5, ".gguf") == 0 &&
            name.find("mmproj") == std::string::npos && name.find("imatrix") == std::string::npos) {
            out.push_back(p);
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::optional<std::string> pick_gguf(const std::vector<std::string> & models, const std::string & quant) {
    if (models.empty()) return std::nullopt;
    if (quant.empty()) {
        if (models.size() == 1) return models.front();
        for (const auto & m : models) {
            if (basename_lower(m).find("q4_k_m") != std::string::npos) return m;
        }
        return models.front();
    }
    const std::string tag = lower(quant);
    std::optional<std::string> loose;
    for (const auto & m : models) {
        const std::string name = basename_lower(m);
        for (size_t pos = name.find(tag); pos != std::string::npos; pos = name.find(tag, pos + 1)) {
            const size_t end = pos + tag.size();
            const bool whole = (pos == 0 || !is_word_char(name[pos - 1])) && (end == name.size() || !is_word_char(name[end]));
            if (whole) return m;
            if (!loose) loose = m;
        }
    }
    return loose;
}

void reject_split_gguf(const std::string & path) {
    static const std::regex split(R"(-\d{5}-of-\d{5}\.gguf$)", std::regex::icase);
    if (std::regex_search(path, split)) {
        throw Error("'" + path + "' is one part of a multi-part GGUF, which ragppo does not load (merge it with llama-gguf-split --merge)");
    }
}

}  // namespace ragppo::hub
