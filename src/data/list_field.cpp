#include "data/list_field.h"

#include "data/python_list.h"

#include <stdexcept>

namespace ragppo::data {

namespace {

std::string scalar_text(const nlohmann::json & v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_structured()) throw std::invalid_argument("nested list or object where a string was expected");
    return v.dump();
}

std::vector<std::string> array_items(const nlohmann::json & arr) {
    std::vector<std::string> out;
    for (const auto & v : arr) {
        if (!v.is_null()) out.push_back(scalar_text(v));
    }
    return out;
}

std::vector<std::string> json_list(const std::string & s) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(s);
    } catch (const nlohmann::json::exception &) {
        throw std::invalid_argument("not a JSON list");
    }
    if (!j.is_array()) throw std::invalid_argument("not a JSON list");
    return array_items(j);
}

std::vector<std::string> plain(const std::string & s, const std::string & split) {
    if (split.empty()) return {s};
    std::vector<std::string> out;
    for (size_t at = 0;;) {
        const size_t next = s.find(split, at);
        std::string piece = trim_ascii(s.substr(at, next == std::string::npos ? std::string::npos : next - at));
        if (!piece.empty()) out.push_back(std::move(piece));
        if (next == std::string::npos) break;
        at = next + split.size();
    }
    return out;
}

}  // namespace

std::string trim_ascii(const std::string & s) {
    const char * ws = " \t\n\r\f\v";
    const size_t b = s.find_first_not_of(ws);
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

std::vector<std::string> cell_items(const nlohmann::json & cell, ListFormat format, const std::string & split) {
    if (cell.is_null()) return {};
    if (cell.is_array()) return array_items(cell);
    if (!cell.is_string()) return plain(scalar_text(cell), split);
    const std::string & s = cell.get_ref<const std::string &>();
    switch (format) {
        case ListFormat::Json: return json_list(s);
        case ListFormat::Python: return parse_python_str_list(s);
        case ListFormat::Plain: return plain(s, split);
        case ListFormat::Auto: break;
    }
    const std::string t = trim_ascii(s);
    if (t.size() >= 2 && t.front() == '[' && t.back() == ']') {
        try {
            return json_list(t);
        } catch (const std::invalid_argument &) {}
        try {
            return parse_python_str_list(t);
        } catch (const std::invalid_argument &) {}
    }
    return plain(s, split);
}

std::string join_items(const std::vector<std::string> & items, const std::string & sep, bool trim) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += sep;
        out += trim ? trim_ascii(items[i]) : items[i];
    }
    return out;
}

}  // namespace ragppo::data
