// ragppo ask: answer a question from the index (RAG) or with the LLM alone (--vanilla).
#include "commands.h"
#include "options.h"
#include "ragppo/rag.h"

#include <cstdio>
#include <map>

namespace ragppo::cli {

namespace {

struct AskArgs {
    QueryEngineParams p;
    std::string question;
    bool vanilla = false;
    bool show_sources = false;
};

void print_sources(const Response & r) {
    std::printf("\nSources (cosine similarity):\n");
    for (size_t i = 0; i < r.sources.size(); ++i) {
        const auto & s = r.sources[i];
        std::printf("  [%zu] %.3f  %s\n", i, s.cosine, s.node.name.c_str());
        std::string preview = s.node.text.substr(0, 200);
        for (auto & c : preview) if (c == '\n') c = ' ';
        std::printf("       %s%s\n", preview.c_str(), s.node.text.size() > 200 ? "..." : "");
    }
}

void run(AskArgs & a) {
    auto engine = query_engine_load(a.p);
    auto stream = [](const std::string & piece) {
        std::fputs(piece.c_str(), stdout);
        std::fflush(stdout);
    };
    const Response r = a.vanilla ? query_engine_vanilla(*engine, a.question, stream) : query_engine_ask(*engine, a.question, stream);
    std::fputc('\n', stdout);
    if (a.show_sources && !a.vanilla) print_sources(r);
    std::fprintf(stderr, "[%s: %d LLM call(s), %d prompt + %d completion tokens, stop: %s, retrieval %.1f ms, LLM %.0f ms]\n",
                 a.vanilla ? "vanilla" : "rag", r.llm_calls, r.prompt_tokens, r.completion_tokens,
                 stop_reason_name(r.stop), r.retrieve_ms, r.llm_ms);
}

}  // namespace

void add_query_engine_options(CLI::App * cmd, QueryEngineParams & p) {
    static const std::map<std::string, ResponseMode> modes{{"compact", ResponseMode::Compact},
                                                                {"refine", ResponseMode::Refine}};
    p.index_dir = "ragppo-index";
    cmd->add_option("-i,--index", p.index_dir, "Index directory (from `ragppo index`)")->capture_default_str();
    cmd->add_option("-k,--similarity-top-k", p.top_k,
                    "Nodes to retrieve, 1.." + std::to_string(kMaxRetrievalTopK) + " (LlamaIndex: similarity_top_k)")
        ->capture_default_str()->check(int_in("-k/--similarity-top-k", 1, kMaxRetrievalTopK));
    cmd->add_option("--response-mode", p.mode, "compact (pack chunks, then refine) or refine (one chunk per call)")
        ->transform(CLI::CheckedTransformer(modes, CLI::ignore_case));
    cmd->add_option("--embed-model", p.embed_model, "Embedding model (default: the one the index was built with)");
    cmd->add_flag("--no-verify", [&p](int64_t) { p.verify_index = false; },
                  "Load the index without checking its files' CRC-32C (sizes only; for huge indexes; `ragppo verify` checks)");
    add_generator_options(cmd, p.llm, /*with_hub=*/false);
    add_sampling_options(cmd, p.sampling, p.llm.model);
    add_hub_options(cmd, p.hub);
}

void register_ask(CLI::App & app) {
    auto a = std::make_shared<AskArgs>();
    auto * cmd = app.add_subcommand("ask", "Answer a question with retrieved recipes (RAG), or the LLM alone with --vanilla");
    cmd->add_option("question", a->question, "e.g. \"How do I make pork chop noodle soup?\"")->required()->check(not_blank("the question"));
    cmd->add_flag("--vanilla", a->vanilla, "No retrieval: the same LLM, wrapper and sampling with the bare question");
    cmd->add_flag("-s,--show-sources", a->show_sources, "Print the retrieved nodes and their scores");
    add_query_engine_options(cmd, a->p);
    cmd->callback([a] { run(*a); });
}

}  // namespace ragppo::cli
