// Generation speed of ragppo's generate(), for bench/run.sh.
//
//   ragppo-bench-generate --texts FILE [--prompt-tokens 256] [--new-tokens 128]
//                         [--threads N] [--n-ctx N] [--model ID]
//
// Builds a raw-completion prompt of exactly --prompt-tokens tokens (as the model
// reads it, BOS included) from the texts in FILE (one JSON string per line), picking
// one whose greedy continuation does not stop at an end-of-turn token before
// --new-tokens (that search is also the warm-up). A worker driven over stdin/stdout
// like ragppo-bench-embed: it prints its settings once ready, then each input line
// "run" generates once (greedy, ChatFormat::Raw) and prints the Generation's counts
// and timings; "run short" does the same from a one-token prompt (BOS aside).
#include "ragppo.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "bench_io.h"
#include <vector>

namespace {

// A prefix of `text` (cut at a byte that starts a UTF-8 character) of exactly `target`
// tokens, or "" when no cut gives exactly that count.
std::string prefix_of_tokens(const ragppo::Generator & g, const std::string & text, int target) {
    auto count = [&](size_t len) { return ragppo::generator_count_tokens(g, text.substr(0, len)); };
    auto boundary = [&](size_t len) { return len >= text.size() || (static_cast<unsigned char>(text[len]) & 0xC0) != 0x80; };
    if (count(text.size()) < target) return "";
    size_t lo = 0, hi = text.size();  // smallest length whose count reaches the target
    while (lo < hi) {
        const size_t mid = (lo + hi) / 2;
        if (count(mid) >= target) hi = mid; else lo = mid + 1;
    }
    for (size_t len = lo; len <= std::min(text.size(), lo + 32); ++len) {
        if (boundary(len) && count(len) == target) return text.substr(0, len);
    }
    return "";
}

}  // namespace

int main(int argc, char ** argv) try {
    std::string texts_path;
    ragppo::GeneratorParams params;
    params.format = ragppo::ChatFormat::Raw;
    int prompt_tokens = 256, new_tokens = 128;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> const char * {
            if (i + 1 >= argc) throw ragppo::Error("missing value after " + a);
            return argv[++i];
        };
        if (a == "--texts") texts_path = next();
        else if (a == "--prompt-tokens") prompt_tokens = std::atoi(next());
        else if (a == "--new-tokens") new_tokens = std::atoi(next());
        else if (a == "--threads") params.n_threads = std::atoi(next());
        else if (a == "--n-ctx") params.n_ctx = std::atoi(next());
        else if (a == "--model") params.model = next();
        else throw ragppo::Error("unknown argument: " + a);
    }
    if (texts_path.empty()) throw ragppo::Error("--texts FILE is required");
    const std::vector<std::string> texts = read_jsonl_strings(texts_path);
    params.n_ctx = std::max(params.n_ctx, prompt_tokens + new_tokens);
    auto g = ragppo::generator_load(params);

    ragppo::SamplingParams greedy;
    greedy.temperature = 0.0f;
    greedy.max_new_tokens = new_tokens;
    ragppo::SamplingParams one = greedy;
    one.max_new_tokens = 1;

    // Tokens generate() adds around the text (BOS), measured once.
    const std::string probe = texts.front().substr(0, 64);
    const int special = ragppo::generate(*g, probe, one).prompt_tokens - ragppo::generator_count_tokens(*g, probe);

    std::string prompt;
    size_t start = 0;
    int tried = 0;
    for (; start < texts.size() && tried < 20; ++start) {
        std::string text;
        for (size_t i = start; i < texts.size() && ragppo::generator_count_tokens(*g, text) < prompt_tokens + 64; ++i) {
            text += (text.empty() ? "" : "\n\n") + texts[i];
        }
        const std::string candidate = prefix_of_tokens(*g, text, prompt_tokens - special);
        if (candidate.empty()) continue;
        ++tried;
        const ragppo::Generation r = ragppo::generate(*g, candidate, greedy);  // doubles as the first warm-up
        if (r.prompt_tokens == prompt_tokens && r.completion_tokens == new_tokens) {
            prompt = candidate;
            break;
        }
    }
    if (prompt.empty()) throw ragppo::Error("found no prompt of the wanted length that generates all new tokens");

    // A one-token prompt (plus BOS), for generation from an almost empty context as in
    // llama-bench's tg test: a one-token first word of a text whose continuation runs to the end.
    std::string short_prompt;
    int short_tokens = 0;
    for (size_t i = 0; i < texts.size() && i < 50 && short_prompt.empty(); ++i) {
        const std::string candidate = texts[i].substr(0, texts[i].find(' '));  // the first word
        if (ragppo::generator_count_tokens(*g, candidate) != 1) continue;
        const ragppo::Generation r = ragppo::generate(*g, candidate, greedy);
        if (r.completion_tokens == new_tokens) {
            short_prompt = candidate;
            short_tokens = r.prompt_tokens;
        }
    }

    nlohmann::json ready;
    ready["contender"] = "ragppo";
    ready["model"] = params.model.empty() ? ragppo::default_llm_id() : params.model;
    ready["gguf"] = ragppo::hub_resolve_gguf(ready["model"].get<std::string>(), params.hub).local;
    ready["threads"] = params.n_threads;
    ready["n_ctx"] = params.n_ctx;
    ready["prompt_tokens"] = prompt_tokens;
    ready["new_tokens"] = new_tokens;
    ready["prompt_from_text"] = start;
    ready["prompts_tried"] = tried;
    ready["prompt_head"] = prompt.substr(0, 60);
    ready["short_prompt"] = short_prompt;
    ready["short_prompt_tokens"] = short_tokens;
    std::cout << ready.dump() << std::endl;

    for (std::string cmd; std::getline(std::cin, cmd);) {
        nlohmann::json reply;
        if (cmd == "run" || (cmd == "run short" && !short_prompt.empty())) {
            const ragppo::Generation r = ragppo::generate(*g, cmd == "run" ? prompt : short_prompt, greedy);
            reply["prompt_tokens"] = r.prompt_tokens;
            reply["completion_tokens"] = r.completion_tokens;
            reply["prompt_ms"] = r.prompt_ms;
            reply["generate_ms"] = r.generate_ms;
            reply["stop"] = ragppo::stop_reason_name(r.stop);
        } else {
            reply["error"] = "unknown command: " + cmd;
        }
        std::cout << reply.dump() << std::endl;
    }
    return 0;
} catch (const std::exception & ex) {
    std::fprintf(stderr, "ragppo-bench-generate: error: %s\n", ex.what());
    return 1;
}
