// The bits of Python str semantics the LlamaIndex-compatible splitter depends on:
// which code points str.isspace() (and re's \s) count as whitespace, and str.strip().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ragppo::rag {

bool py_isspace(uint32_t cp);

// Byte length of the whitespace code point at s[pos], or 0 if it is not one.
size_t py_space_at(std::string_view s, size_t pos);

// str.strip(): leading and trailing whitespace removed.
std::string py_strip(std::string_view s);

}  // namespace ragppo::rag
