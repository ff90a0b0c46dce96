// Shared by the libFuzzer harnesses (one per parser of outside input).
//
// The contract each harness checks: a parser given any bytes either succeeds or throws
// ragppo::Error, the one-line refusal the CLI prints. Anything else (a crash, a
// sanitizer report, another exception type escaping, a hang, unbounded memory) is a
// finding: an uncaught exception aborts, so libFuzzer keeps the input.
#pragma once

#include "ragppo.h"

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <unistd.h>

namespace ragppo::fuzz {

inline std::string_view as_view(const uint8_t * data, size_t size) {
    return {reinterpret_cast<const char *>(data), size};
}

// Runs `parse`, letting through only the parser's documented refusal of bad input.
template <class Refusal, class F> void expect_only(F && parse) {
    try {
        parse();
    } catch (const Refusal &) {
    }
}

template <class F> void expect_only_ragppo_errors(F && parse) { expect_only<ragppo::Error>(parse); }

// Parsers that read files (manifests, node stores, tokenizer files) get the input
// written into a private folder, one per fuzzing process, removed at exit.
class ScratchDir {
  public:
    static const std::filesystem::path & path() {
        static ScratchDir dir;
        return dir.path_;
    }
    static std::filesystem::path write(const std::string & name, std::string_view bytes) {
        const auto p = path() / name;
        std::ofstream out(p, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        return p;
    }

  private:
    ScratchDir() {
        const char * tmp = std::getenv("TMPDIR");
        path_ = std::filesystem::path(tmp && *tmp ? tmp : "/tmp") / ("ragppo-fuzz-" + std::to_string(::getpid()));
        std::filesystem::create_directories(path_);
    }
    ~ScratchDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    std::filesystem::path path_;
};

// Splits one fuzz input into two files' contents at the first "\n\x00\n" (vocab.json and
// merges.txt; a manifest and its nodes.bin), so one input can vary both.
inline std::pair<std::string_view, std::string_view> split_two(std::string_view in) {
    constexpr std::string_view sep("\n\0\n", 3);
    const auto at = in.find(sep);
    if (at == std::string_view::npos) return {in, {}};
    return {in.substr(0, at), in.substr(at + sep.size())};
}

}  // namespace ragppo::fuzz
