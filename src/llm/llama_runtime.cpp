#include "llm/llama_runtime.h"

#include "llm/cpu_backend.h"

#include "ragppo.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

namespace ragppo::llm {

namespace {

void log_filter(ggml_log_level level, const char * text, void *) {
    // Read on every line: `--verbose` turns it on after the backend has been loaded.
    const bool verbose = std::getenv("RAGPPO_VERBOSE") != nullptr;
    if (verbose || level == GGML_LOG_LEVEL_ERROR) {
        std::fputs(text, stderr);
    }
}

}  // namespace

void ensure_backend() {
    static std::once_flag once;
    std::call_once(once, [] {
        llama_log_set(log_filter, nullptr);
        load_cpu_backend();
        llama_backend_init();
    });
}

ModelPtr load_gguf(const std::string & path, bool vocab_only) {
    ensure_backend();
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        throw Error("model file not found: " + path);
    }
    if (fs::is_directory(path, ec)) {
        throw Error("model path is a directory, expected a .gguf file: " + path);
    }
    char magic[4] = {};
    std::ifstream in(path, std::ios::binary);
    if (!in.read(magic, 4) || std::memcmp(magic, "GGUF", 4) != 0) {
        throw Error("not a GGUF file (bad magic): " + path);
    }
    llama_model_params mp = llama_model_default_params();
    mp.vocab_only = vocab_only;
    llama_model * model = llama_model_load_from_file(path.c_str(), mp);
    if (model == nullptr) {
        throw Error("failed to load GGUF model (truncated or corrupt?): " + path);
    }
    return ModelPtr(model);
}

int default_threads(int requested) {
    if (requested > 0) {
        return requested;
    }
    const unsigned hw = std::thread::hardware_concurrency();
    return hw == 0 ? 4 : static_cast<int>(hw);
}

std::string token_piece(const llama_vocab * vocab, llama_token token, bool special) {
    char buf[256];
    int n = llama_token_to_piece(vocab, token, buf, sizeof(buf), 0, special);
    if (n >= 0) {
        return std::string(buf, n);
    }
    std::string big(static_cast<size_t>(-n), '\0');
    n = llama_token_to_piece(vocab, token, big.data(), static_cast<int32_t>(big.size()), 0, special);
    big.resize(n > 0 ? n : 0);
    return big;
}

std::vector<llama_token> tokenize(const llama_vocab * vocab, const std::string & text,
                                  bool add_special, bool parse_special) {
    std::vector<llama_token> tokens(text.size() + 8);
    int n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                           static_cast<int32_t>(tokens.size()), add_special, parse_special);
    if (n < 0) {
        tokens.resize(static_cast<size_t>(-n));
        n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                           static_cast<int32_t>(tokens.size()), add_special, parse_special);
    }
    if (n < 0) {
        throw Error("tokenization failed");
    }
    tokens.resize(n);
    return tokens;
}

}  // namespace ragppo::llm

namespace ragppo {

int default_threads(int requested) { return llm::default_threads(requested); }

}  // namespace ragppo
