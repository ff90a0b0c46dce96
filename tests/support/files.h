// Small helpers many tests share: whole-file reads and writes, the message of a
// thrown ragppo::Error, and Python's len(text.split()) as a token counter.
#pragma once

#include "ragppo.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace ragppo::test {

std::string read_file(const std::filesystem::path & p);
// A JSON file the reference libraries wrote (test::fixture(name)); throws, naming it,
// when make_reference_fixtures has not made it.
nlohmann::json read_fixture_json(const std::string & name);
// Creates parent directories; replaces any existing file.
void write_file(const std::filesystem::path & p, const std::string & content);
// Flips the lowest bit of the file's middle byte: same size, one bit of damage, the
// corruption a checksum must catch.
void flip_middle_byte(const std::filesystem::path & p);
// Whitespace-separated words, as Python's len(text.split()).
int count_words(const std::string & s);
// Every byte sequence of `s` decodes as UTF-8 (no truncated or stray bytes).
bool valid_utf8(const std::string & s);

// A folder a user owns, as in the data-loss bug report: thesis.txt and figures/fig1.txt
// under `dir` (created). The ownership tests check ragppo never replaces or touches it.
std::filesystem::path user_folder(const std::filesystem::path & dir);
// Exactly those two entries, with their contents (gtest expectations).
void expect_user_folder_intact(const std::filesystem::path & dir);

// The message of the ragppo::Error that f throws ("" if it throws none).
template <class F> std::string error_of(F && f) {
    try {
        f();
    } catch (const Error & e) {
        return e.what();
    }
    return "";
}

}  // namespace ragppo::test
