// Embedding throughput of ragppo's embed_documents, for bench/run.sh.
//
//   ragppo-bench-embed --texts FILE [--threads N] [--max-tokens N] [--batch-tokens N]
//                      [--warmup N] [--runs N] [--model ID] [--save-embeddings PATH]
//
// FILE holds one JSON string per line (the same texts every contender embeds).
// Prints one JSON object on stdout: the wall time of each timed run of
// embed_documents over all texts (the model is loaded and warmed up first).
#include "ragppo.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> read_jsonl_strings(const std::string & path) {
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

int int_arg(const char * v) { return std::atoi(v); }

}  // namespace

int main(int argc, char ** argv) try {
    std::string texts_path, save_path;
    ragppo::EmbedderParams params;
    params.n_threads = 0;
    int warmup = 1, runs = 3;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> const char * {
            if (i + 1 >= argc) throw ragppo::Error("missing value after " + a);
            return argv[++i];
        };
        if (a == "--texts") texts_path = next();
        else if (a == "--threads") params.n_threads = int_arg(next());
        else if (a == "--max-tokens") params.max_tokens = int_arg(next());
        else if (a == "--batch-tokens") params.batch_tokens = int_arg(next());
        else if (a == "--warmup") warmup = int_arg(next());
        else if (a == "--runs") runs = int_arg(next());
        else if (a == "--model") params.model = next();
        else if (a == "--save-embeddings") save_path = next();
        else throw ragppo::Error("unknown argument: " + a);
    }
    if (texts_path.empty()) throw ragppo::Error("--texts FILE is required");
    const std::vector<std::string> texts = read_jsonl_strings(texts_path);

    auto t0 = Clock::now();
    auto e = ragppo::embedder_load(params);
    const double load_s = std::chrono::duration<double>(Clock::now() - t0).count();

    size_t n_tokens = 0;
    for (const auto & t : texts) n_tokens += ragppo::embedder_tokenize(*e, t).size();

    std::vector<float> v;
    for (int i = 0; i < warmup; ++i) v = ragppo::embed_documents(*e, texts);
    std::vector<double> times;
    for (int i = 0; i < runs; ++i) {
        t0 = Clock::now();
        v = ragppo::embed_documents(*e, texts);
        times.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    }
    if (!save_path.empty()) {  // raw float32, row-major [texts x dim], for a parity check
        std::ofstream out(save_path, std::ios::binary);
        out.write(reinterpret_cast<const char *>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(float)));
    }

    nlohmann::json j;
    j["contender"] = "ragppo";
    j["n_texts"] = texts.size();
    j["n_tokens"] = n_tokens;
    j["dim"] = ragppo::embedder_dim(*e);
    j["max_tokens"] = ragppo::embedder_max_tokens(*e);
    j["batch_tokens"] = params.batch_tokens;
    j["threads"] = params.n_threads;
    j["load_s"] = load_s;
    j["warmup"] = warmup;
    j["runs_s"] = times;
    std::cout << j.dump() << std::endl;
    return 0;
} catch (const std::exception & ex) {
    std::fprintf(stderr, "ragppo-bench-embed: error: %s\n", ex.what());
    return 1;
}
