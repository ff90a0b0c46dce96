// Input shared by the benchmark programs: one JSON string per line.
#pragma once

#include "ragppo.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

inline std::vector<std::string> read_jsonl_strings(const std::string & path) {
    std::ifstream in(path);
    if (!in) throw ragppo::Error("cannot read " + path);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        out.push_back(nlohmann::json::parse(line).get<std::string>());
    }
    if (out.empty()) throw ragppo::Error("no texts in " + path);
    return out;
}
