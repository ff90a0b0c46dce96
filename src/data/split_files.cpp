#include "data/split_files.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace ragppo::data {

namespace {

std::string lower(std::string s) {
    for (auto & c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// The extension of `path` among `extensions` (lower case), or "".
std::string extension_of(const std::string & path, const std::vector<std::string> & extensions) {
    const std::string p = lower(path);
    for (const auto & e : extensions) {
        const std::string le = lower(e);
        if (p.size() > le.size() && p.compare(p.size() - le.size(), le.size(), le) == 0) return le;
    }
    return "";
}

std::vector<std::string> segments(const std::string & path) {
    std::vector<std::string> out;
    for (size_t at = 0;;) {
        const size_t slash = path.find('/', at);
        out.push_back(path.substr(at, slash == std::string::npos ? std::string::npos : slash - at));
        if (slash == std::string::npos) return out;
        at = slash + 1;
    }
}

std::string top_folder(const std::string & path) {
    const size_t slash = path.find('/');
    return slash == std::string::npos ? "" : path.substr(0, slash);
}

// Where the files of the default config live.
bool default_folder(const std::string & top) { return top.empty() || top == "data" || top == "default"; }

bool separator(char c) {
    return c == '-' || c == '_' || c == '.' || c == ' ' || std::isdigit(static_cast<unsigned char>(c));
}

// `split` between separators in a file name, as in "validation-00000-of-00001" or "cnn-test".
bool name_holds(const std::string & stem, const std::string & split) {
    for (size_t pos = stem.find(split); pos != std::string::npos; pos = stem.find(split, pos + 1)) {
        const size_t end = pos + split.size();
        if ((pos == 0 || separator(stem[pos - 1])) && (end == stem.size() || separator(stem[end]))) return true;
    }
    return false;
}

std::string join(const std::vector<std::string> & v, size_t most = 6) {
    std::string out;
    for (size_t i = 0; i < v.size() && i < most; ++i) out += (i ? ", " : "") + v[i];
    if (v.size() > most) out += ", ... (" + std::to_string(v.size()) + " in all)";
    return out;
}

}  // namespace

SplitFiles pick_split_files(const std::vector<std::string> & files, const std::string & config,
                            const std::string & split, const std::vector<std::string> & extensions) {
    SplitFiles out;
    std::vector<std::string> candidates;
    std::set<std::string> config_folders;
    bool has_default = false;
    for (const auto & f : files) {
        if (extension_of(f, extensions).empty()) continue;
        candidates.push_back(f);
        const std::string top = top_folder(f);
        if (default_folder(top)) has_default = true;
        else config_folders.insert(top);
    }
    out.configs.assign(config_folders.begin(), config_folders.end());
    out.any = !candidates.empty();
    if (!out.any) {
        out.why_none = "no " + join(extensions) + " file";
        return out;
    }

    // The files of the config.
    std::vector<std::string> in_config;
    const bool want_default = config.empty() || config == "default";
    for (const auto & f : candidates) {
        const std::string top = top_folder(f);
        if (want_default ? default_folder(top) : top == config) in_config.push_back(f);
    }
    if (in_config.empty() && config.empty()) {
        // No default files: the one config there is, or, when the folders are splits
        // ("train/0000.parquet"), all of them.
        if (config_folders.size() == 1 || config_folders.count(split) || config_folders.count("partial-" + split)) {
            in_config = candidates;
        } else {
            out.why_none = "several configs (" + join(out.configs) + "): name one (--config)";
            return out;
        }
    }
    if (in_config.empty()) {
        std::vector<std::string> known = out.configs;
        if (has_default) known.insert(known.begin(), "default");
        out.why_none = "no config '" + config + "' (configs: " + join(known) + ")";
        return out;
    }

    std::vector<std::string> full, partial;
    for (const auto & f : in_config) {
        const auto segs = segments(f);
        bool is_full = false, is_partial = false;
        for (size_t i = 0; i + 1 < segs.size(); ++i) {
            is_full = is_full || segs[i] == split;
            is_partial = is_partial || segs[i] == "partial-" + split;
        }
        const std::string & name = segs.back();
        const std::string stem = name.substr(0, name.size() - extension_of(name, extensions).size());
        if (is_full || (!is_partial && name_holds(stem, split))) full.push_back(f);
        else if (is_partial) partial.push_back(f);
    }
    out.files = full.empty() ? partial : full;
    std::sort(out.files.begin(), out.files.end());
    if (out.files.empty()) {
        out.why_none = "no file for split '" + split + "'" +
                       (config.empty() ? std::string() : " of config '" + config + "'") + " among " + join(in_config);
    }
    return out;
}

}  // namespace ragppo::data
