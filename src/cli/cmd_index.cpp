// ragppo index: build (or extend) a persisted vector index of recipes.
#include "commands.h"
#include "options.h"
#include "ragppo/rag.h"
#include "ragppo/util.h"

#include <cstdio>
#include <memory>

namespace ragppo::cli {

namespace {

struct IndexArgs {
    IndexBuildParams p;
    bool hnsw = false;
    bool query_instruction_set = false;
    int threads = 0;
    size_t show_skipped = 5;
    size_t show_cut = 5;  // warning lines for rows with a field cut; then a count
};

void run(IndexArgs & a) {
    a.p.embed.n_threads = a.threads;
    if (a.hnsw) a.p.index.kind = IndexKind::Hnsw;
    if (!a.query_instruction_set) {
        a.p.embed.query_instruction =
            default_query_instruction(a.p.embed.model.empty() ? default_embedder_id() : a.p.embed.model);
    }
    std::unique_ptr<ProgressBar> bar;
    const auto report = index_build(a.p, [&](size_t done, size_t total) {
        if (!bar) bar = std::make_unique<ProgressBar>("embed", total, "nodes");
        bar->update(done);
    });
    if (bar) bar->finish();
    std::fprintf(stderr, "read %zu rows (%s), %zu recipes, %zu skipped\n", report.rows_read, report.format.c_str(),
                 report.recipes, report.skipped.size());
    for (size_t i = 0; i < report.skipped.size() && i < a.show_skipped; ++i) {
        std::fprintf(stderr, "  skipped %s\n", report.skipped[i].c_str());
    }
    for (size_t i = 0; i < report.cut.size() && i < a.show_cut; ++i) {
        std::fprintf(stderr, "  warning: %s (--max-field-bytes %zu)\n", report.cut[i].c_str(), a.p.max_field_bytes);
    }
    if (report.cut.size() > a.show_cut) {
        std::fprintf(stderr, "  warning: %zu more rows with a field cut to %zu bytes\n", report.cut.size() - a.show_cut,
                     a.p.max_field_bytes);
    }
    std::printf("index %s: %zu nodes (%zu added) from %zu recipes; embedding %.1f s (%.0f nodes/s)\n",
                a.p.out_dir.c_str(), report.index_size, report.added, report.recipes, report.embed_ms / 1000,
                report.embed_ms > 0 ? 1000.0 * report.added / report.embed_ms : 0.0);
}

}  // namespace

void register_index(CLI::App & app) {
    auto a = std::make_shared<IndexArgs>();
    auto * cmd = app.add_subcommand("index", "Build a vector index of recipes (split, embed, FAISS), saved atomically to a directory");
    a->p.dataset = "m3hrdadfi/recipe_nlg_lite";
    a->p.out_dir = "ragppo-index";
    cmd->add_option("-d,--dataset", a->p.dataset, "Recipes: a CSV/JSON/JSONL/Parquet file or folder, or a Hub dataset id")
        ->capture_default_str();
    cmd->add_option("--config", a->p.config, "Config of a Hub dataset (default: its default or only one)");
    cmd->add_option("--split", a->p.split, "Split of a Hub dataset")->capture_default_str();
    cmd->add_option("--mapping", a->p.mapping,
                    "Column mapping, e.g. 'preset=recipenlg' or 'name=title,steps=directions' (default: detected)");
    cmd->add_option("--limit", a->p.limit, "Index at most this many recipes (0 = all)")
        ->capture_default_str()->check(int_in("--limit", 0, std::numeric_limits<long long>::max()));
    cmd->add_option("--max-field-bytes", a->p.max_field_bytes,
                    "Cut each text field of a row (name, ingredients, steps, ...) to this many bytes, at a character "
                    "boundary, with a warning; 0 = no limit")
        ->capture_default_str()->check(int_in("--max-field-bytes", 0, 1LL << 30));
    cmd->add_option("-o,--index", a->p.out_dir,
                    "Index directory to write: a new or empty directory, or an existing index (replaced, or extended with "
                    "--append); anything else is refused")
        ->capture_default_str()->check(not_blank("the index directory (-o)"));
    cmd->add_flag("--append", a->p.append, "Add new recipes to an existing index instead of replacing it (the index must exist)");
    cmd->add_flag("--no-verify", [a](int64_t) { a->p.verify_existing = false; },
                  "With --append: load the index without checking its files' CRC-32C (sizes only; for huge indexes)");
    cmd->add_option("--chunk-size", a->p.chunk_size, "Chunk size in embedding tokens")
        ->capture_default_str()->check(int_in("--chunk-size", 1, 1 << 20));
    cmd->add_option("--chunk-overlap", a->p.chunk_overlap, "Overlap between chunks in tokens (less than the chunk size)")
        ->capture_default_str()->check(int_in("--chunk-overlap", 0, 1 << 20));
    cmd->add_flag("--hnsw", a->hnsw, "Approximate HNSW index (large corpora) instead of exact search");
    cmd->add_option("-t,--threads", a->threads, "CPU threads; 0 = all")->check(int_in("--threads", 0, 4096));
    add_embedder_options(cmd, a->p.embed);
    cmd->get_option("--query-instruction")->each([a](const std::string &) { a->query_instruction_set = true; });
    cmd->callback([a] { run(*a); });
}

}  // namespace ragppo::cli
