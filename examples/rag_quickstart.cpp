// Build an index of recipes, then answer a question from it and without it.
//   rag_quickstart RECIPES_FILE INDEX_DIR ["How do I make X?"]
#include <ragppo/rag.h>

#include <cstdio>
#include <string>

int main(int argc, char ** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s RECIPES_FILE INDEX_DIR [QUESTION]\n", argv[0]);
        return 2;
    }
    try {
        ragppo::IndexBuildParams build;
        build.dataset = argv[1];
        build.out_dir = argv[2];
        build.limit = 40;
        const ragppo::IndexBuildReport report = ragppo::index_build(build);
        std::printf("indexed %zu recipes as %zu nodes\n", report.recipes, report.index_size);

        ragppo::QueryEngineParams params;
        params.index_dir = argv[2];
        params.sampling.max_new_tokens = 48;
        auto engine = ragppo::query_engine_load(params);
        const std::string question = argc > 3 ? argv[3] : "How do I make pancakes?";
        const ragppo::Response rag = ragppo::query_engine_ask(*engine, question);
        std::printf("RAG: %s\n", rag.answer.c_str());
        for (const auto & source : rag.sources) std::printf("  source %.3f %s\n", source.cosine, source.node.name.c_str());
        const ragppo::Response vanilla = ragppo::query_engine_vanilla(*engine, question);
        std::printf("vanilla: %s\n", vanilla.answer.c_str());
    } catch (const ragppo::Error & e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
