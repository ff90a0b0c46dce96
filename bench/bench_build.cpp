// Index build, save and load of ragppo's RAG index, stage by stage, for bench/run.sh's
// comparison with LlamaIndex (bench/li_index_worker.py does the same on its side).
//
//   ragppo-bench-build --dataset FILE --dir DIR [--limit N] [--max-tokens N] [--threads N]
//                      [--load-repeats 5]
//
// Runs ragppo::index_build (what `ragppo index` runs) with the default embedder and splitter,
// then loads the saved index --load-repeats times. Prints one JSON object: seconds per
// stage (the model load is what the build took beyond reading, splitting, embedding and
// saving), node count, bytes on disk, and the index load times.
#include "ragppo/rag.h"
#include "ragppo/index.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

size_t bytes_under(const std::filesystem::path & dir) {
    size_t n = 0;
    for (const auto & e : std::filesystem::recursive_directory_iterator(dir)) {
        if (e.is_regular_file()) n += e.file_size();
    }
    return n;
}

}  // namespace

int main(int argc, char ** argv) try {
    ragppo::IndexBuildParams p;
    int load_repeats = 5;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) throw ragppo::Error("missing value after " + a);
            return argv[++i];
        };
        if (a == "--dataset") p.dataset = next();
        else if (a == "--dir") p.out_dir = next();
        else if (a == "--limit") p.limit = std::stoul(next());
        else if (a == "--max-tokens") p.embed.max_tokens = std::stoi(next());
        else if (a == "--threads") p.embed.n_threads = std::stoi(next());
        else if (a == "--load-repeats") load_repeats = std::stoi(next());
        else throw ragppo::Error("unknown option " + a + " (see the comment at the top of bench_build.cpp)");
    }
    if (p.dataset.empty() || p.out_dir.empty()) throw ragppo::Error("--dataset FILE and --dir DIR are required");
    p.embed.hub.offline = true;

    const auto t0 = Clock::now();
    const auto r = ragppo::index_build(p);
    const double build_s = since(t0);
    const double staged_ms = r.load_ms + r.split_ms + r.embed_ms + r.save_ms;

    std::vector<double> load_s;
    size_t loaded_nodes = 0;
    for (int i = 0; i < load_repeats; ++i) {
        const auto tl = Clock::now();
        auto s = ragppo::vector_store_load(p.out_dir);
        load_s.push_back(since(tl));
        loaded_nodes = ragppo::vector_store_size(*s);
    }
    if (loaded_nodes != r.index_size) throw ragppo::Error("the loaded index has another node count");

    const nlohmann::json out = {
        {"recipes", r.recipes},
        {"nodes", r.index_size},
        {"total_s", build_s},
        {"read_s", r.load_ms / 1e3},
        {"model_s", (build_s * 1e3 - staged_ms) / 1e3},
        {"split_s", r.split_ms / 1e3},
        {"embed_s", r.embed_ms / 1e3},
        {"save_s", r.save_ms / 1e3},
        {"load_s", load_s},
        {"bytes", bytes_under(p.out_dir)},
    };
    std::printf("%s\n", out.dump().c_str());
    return 0;
} catch (const std::exception & e) {
    std::fprintf(stderr, "ragppo-bench-build: %s\n", e.what());
    return 1;
}
