// Embedding throughput of ragppo's embed_documents, for bench/run.sh.
//
//   ragppo-bench-embed --texts FILE [--threads N] [--max-tokens N] [--batch-tokens N]
//                      [--warmup-texts N] [--model ID] [--llama-graph]
//
// FILE holds one JSON string per line (the same texts every contender embeds).
// A worker driven over stdin/stdout, one JSON object per line, so that
// bench/bench.py can interleave it with the reference implementations: once the
// model is loaded and warmed up (on the first --warmup-texts texts) it prints its
// settings; then each input line "run" embeds all texts and prints {"s": seconds},
// "save PATH" writes the last vectors (float32, row-major) to PATH, and "search N"
// times N top-3 searches of an exact index of the last vectors, each row in turn
// the query (bench/py_embed_worker.py does the same through the Python bindings, and
// again as a C++ loop inside its own process: "search both N").
#include "ragppo.h"
#include "ragppo/index.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "bench_io.h"
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char ** argv) try {
    std::string texts_path;
    ragppo::EmbedderParams params;
    size_t warmup_texts = 64;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) throw ragppo::Error("missing value after " + a);
            return argv[++i];
        };
        if (a == "--texts") texts_path = next();
        else if (a == "--threads") params.n_threads = std::stoi(next());
        else if (a == "--max-tokens") params.max_tokens = std::stoi(next());
        else if (a == "--batch-tokens") params.batch_tokens = std::stoi(next());
        else if (a == "--warmup-texts") warmup_texts = std::stoul(next());
        else if (a == "--model") params.model = next();
        else if (a == "--llama-graph") params.llama_graph = true;
        else throw ragppo::Error("unknown argument: " + a);
    }
    if (texts_path.empty()) throw ragppo::Error("--texts FILE is required");
    const std::vector<std::string> texts = read_jsonl_strings(texts_path);

    auto t0 = Clock::now();
    auto e = ragppo::embedder_load(params);
    const double load_s = seconds_since(t0);
    size_t n_tokens = 0;
    for (const auto & t : texts) n_tokens += ragppo::embedder_tokenize(*e, t).size();

    const std::vector<std::string> warm(texts.begin(), texts.begin() + std::min(warmup_texts, texts.size()));
    t0 = Clock::now();
    if (!warm.empty()) ragppo::embed_documents(*e, warm);
    const double warmup_s = seconds_since(t0);

    const int max_tokens = ragppo::embedder_max_tokens(*e);
    nlohmann::json ready;
    ready["contender"] = "ragppo";
    ready["n_texts"] = texts.size();
    ready["n_tokens"] = n_tokens;
    ready["dim"] = ragppo::embedder_dim(*e);
    ready["max_tokens"] = max_tokens;
    ready["batch_tokens"] = ragppo::embedder_batch_tokens(*e);
    ready["engine"] = ragppo::embedder_engine(*e);
    ready["threads"] = params.n_threads;
    ready["load_s"] = load_s;
    ready["warmup_texts"] = warm.size();
    ready["warmup_s"] = warmup_s;
    std::cout << ready.dump() << std::endl;

    std::vector<float> v;
    for (std::string cmd; std::getline(std::cin, cmd);) {
        nlohmann::json reply;
        if (cmd == "run") {
            t0 = Clock::now();
            v = ragppo::embed_documents(*e, texts);
            reply["s"] = seconds_since(t0);
        } else if (cmd.rfind("save ", 0) == 0) {
            std::ofstream out(cmd.substr(5), std::ios::binary);
            out.write(reinterpret_cast<const char *>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(float)));
            reply["saved"] = v.size();
        } else if (cmd.rfind("search ", 0) == 0 && !v.empty()) {
            const size_t n = std::stoul(cmd.substr(7)), dim = static_cast<size_t>(ragppo::embedder_dim(*e));
            ragppo::IndexInfo info;
            info.dim = static_cast<int>(dim);
            auto store = ragppo::vector_store_new(info);
            std::vector<ragppo::IndexNode> nodes;
            for (size_t i = 0; i < texts.size(); ++i) nodes.push_back({"", texts[i], std::to_string(i), "", ""});
            ragppo::vector_store_add(*store, nodes, v);
            size_t found = 0;
            t0 = Clock::now();
            for (size_t i = 0; i < n; ++i) {
                const size_t row = i % texts.size();
                const std::vector<float> q(v.begin() + row * dim, v.begin() + (row + 1) * dim);
                found += ragppo::vector_store_search(*store, q, 3).size();
            }
            reply["s"] = seconds_since(t0);
            reply["hits"] = found;
        } else {
            reply["error"] = "unknown command: " + cmd;
        }
        std::cout << reply.dump() << std::endl;
    }
    return 0;
} catch (const std::exception & ex) {
    std::fprintf(stderr, "ragppo-bench-embed: error: %s\n", ex.what());
    return 1;
}
