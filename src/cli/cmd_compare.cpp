// ragppo compare / eval-answers / eval-retrieval: RAG against vanilla on sampled
// test recipes, and retrieval quality of an index, with numbers rather than impressions.
#include "commands.h"
#include "options.h"
#include "ragppo/eval.h"
#include "ragppo/util.h"

#include <cstdio>
#include <memory>

namespace ragppo::cli {

namespace {

using TestSet = TestSetParams;

void add_test_set_options(CLI::App * cmd, TestSet & t, bool with_run) {
    cmd->add_option("--test-dataset", t.dataset, "Recipes to draw test queries from: a CSV/JSON/JSONL/Parquet file or Hub dataset id")
        ->capture_default_str();
    cmd->add_option("--test-split", t.split, "Split of a Hub test dataset")->capture_default_str();
    cmd->add_option("--test-mapping", t.mapping, "Column mapping of the test dataset (default: detected)");
    cmd->add_option("--sample", t.sample, "Test recipes to draw, >= 1")->capture_default_str()->check(int_in("--sample", 1, 1'000'000'000));
    if (with_run)
        cmd->add_option("--run", t.run, "How many of the drawn recipes to run, >= 1")->capture_default_str()->check(int_in("--run", 1, 1'000'000'000));
    cmd->add_option("--sample-seed", t.seed, "Seed of the draw")->capture_default_str();
}

struct CompareArgs {
    QueryEngineParams engine;
    TestSet test;
    std::string out = "compare-report";
    bool metrics_only = false;  // eval-answers
};

void run_compare(CompareArgs & a) {
    a.test.hub = a.engine.hub;
    auto engine = query_engine_load(a.engine);
    std::unique_ptr<ProgressBar> bar;
    const auto s = eval_compare(*engine, a.test, a.metrics_only ? "" : a.out, [&](size_t done, size_t total) {
        if (!bar) bar = std::make_unique<ProgressBar>("RAG + vanilla", total, "queries");
        bar->update(done);
    });
    if (bar) bar->finish();
    const std::string header = "answers vs gold recipe (mean of " + std::to_string(s.n) + ")";
    std::printf("%-36s %8s %8s\n", header.c_str(), "RAG", "vanilla");
    std::printf("%-36s %8.3f %8.3f\n", "ROUGE-L F1 vs gold steps", s.rag_mean.rouge_l, s.vanilla_mean.rouge_l);
    std::printf("%-36s %8.3f %8.3f\n", "gold ingredients mentioned", s.rag_mean.ingredient_recall,
                s.vanilla_mean.ingredient_recall);
    std::printf("%-36s %8.3f\n", "top-1 cosine similarity", s.rag_mean_top1_cosine);
    if (a.metrics_only) {
        write_file_atomic(a.out, eval_json(s));
        std::printf("metrics written to %s\n", a.out.c_str());
        return;
    }
    std::printf("report: %s/report.html (also report.md, report.jsonl)\n", a.out.c_str());
}

struct RetrievalArgs {
    QueryEngineParams engine;
    TestSet test;
    int depth = 10;
    std::string out = "retrieval_eval.json";
};

void run_retrieval(RetrievalArgs & a) {
    a.test.hub = a.engine.hub;
    auto engine = query_engine_load(a.engine);
    if (a.test.dataset.empty()) a.test.dataset = query_engine_manifest(*engine).info.dataset;
    std::unique_ptr<ProgressBar> bar;
    const auto m = eval_self_retrieval(*engine, a.test, a.depth, [&](size_t done, size_t total) {
        if (!bar) bar = std::make_unique<ProgressBar>("retrieval", total, "queries");
        bar->update(done);
    });
    if (bar) bar->finish();
    std::printf("self-retrieval on %zu recipes (query = the recipe's name, depth %d)\n", m.queries, a.depth);
    std::printf("  recall@1 %.3f   recall@3 %.3f   MRR %.3f\n", m.recall_at_1, m.recall_at_3, m.mrr);
    write_file_atomic(a.out, eval_json(m, a.depth, a.engine.index_dir, a.test.dataset));
    std::printf("written to %s\n", a.out.c_str());
}

}  // namespace

void register_compare(CLI::App & app) {
    auto a = std::make_shared<CompareArgs>();
    auto * cmd = app.add_subcommand("compare", "RAG vs vanilla on sampled test recipes: report.jsonl, report.md, report.html");
    add_query_engine_options(cmd, a->engine);
    add_test_set_options(cmd, a->test, /*with_run=*/true);
    cmd->add_option("-o,--out", a->out, "Report directory")->capture_default_str();
    cmd->callback([a] { run_compare(*a); });

    auto b = std::make_shared<CompareArgs>();
    b->metrics_only = true;
    b->out = "answers_eval.json";
    auto * ev = app.add_subcommand("eval-answers", "ROUGE-L and ingredient recall of RAG and vanilla answers against the gold recipes");
    add_query_engine_options(ev, b->engine);
    add_test_set_options(ev, b->test, /*with_run=*/true);
    ev->add_option("-o,--out", b->out, "JSON file for the metrics")->capture_default_str();
    ev->callback([b] { run_compare(*b); });
}

void register_eval_retrieval(CLI::App & app) {
    auto a = std::make_shared<RetrievalArgs>();
    a->test.dataset = "";  // default: the index's own dataset
    a->test.sample = 200;
    auto * cmd = app.add_subcommand("eval-retrieval", "Self-retrieval of indexed recipes by name: recall@1, recall@3, MRR");
    add_query_engine_options(cmd, a->engine);
    add_test_set_options(cmd, a->test, /*with_run=*/false);
    cmd->add_option("--depth", a->depth, "Nodes retrieved per query for MRR, 1.." + std::to_string(kMaxRetrievalTopK))
        ->capture_default_str()->check(int_in("--depth", 1, kMaxRetrievalTopK));
    cmd->add_option("-o,--out", a->out, "JSON file for the metrics")->capture_default_str();
    cmd->callback([a] { run_retrieval(*a); });
}

}  // namespace ragppo::cli
