// ragppo compare / eval-answers / eval-retrieval: RAG against vanilla on sampled
// test recipes, and retrieval quality of an index, with numbers rather than impressions.
#include "cli/commands.h"
#include "cli/options.h"
#include "data/dataset_files.h"
#include "data/recipe_loader.h"
#include "data/sampler.h"
#include "eval/comparison.h"
#include "eval/self_retrieval.h"
#include "rag/index_builder.h"
#include "util/atomic_write.h"
#include "util/progress.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace ragppo::cli {

namespace {

struct TestSet {
    std::string dataset = "m3hrdadfi/recipe_nlg_lite";
    std::string split = "test";
    std::string mapping;
    size_t sample = 20;  // recipes drawn, as the notebook did
    size_t run = 5;      // of which this many are run (the notebook ran 5)
    uint64_t seed = 42;
};

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

std::vector<data::Recipe> draw(const TestSet & t, const HubParams & hub, size_t run) {
    data::LoadOptions lo;
    lo.mapping = t.mapping;
    auto report = data::load_recipes(data::resolve_dataset_files(t.dataset, "", t.split, hub), lo);
    const size_t n = std::min(t.sample, report.recipes.size());
    auto drawn = data::sample_recipes(report.recipes, n, t.seed);
    if (drawn.size() > run) drawn.resize(run);
    return drawn;
}

struct CompareArgs {
    rag::QueryEngineParams engine;
    TestSet test;
    std::string out = "compare-report";
    bool metrics_only = false;  // eval-answers
};

void run_compare(CompareArgs & a) {
    const auto recipes = draw(a.test, a.engine.hub, a.test.run);
    rag::QueryEngine engine(a.engine);
    util::ProgressBar bar("RAG + vanilla", recipes.size(), "queries");
    const auto items = eval::compare_rag_vanilla(engine, recipes, [&](size_t done, size_t) { bar.update(done); });
    bar.finish();
    const auto s = eval::summarize(items);
    const std::string header = "answers vs gold recipe (mean of " + std::to_string(s.n) + ")";
    std::printf("%-36s %8s %8s\n", header.c_str(), "RAG", "vanilla");
    std::printf("%-36s %8.3f %8.3f\n", "ROUGE-L F1 vs gold steps", s.rag_mean.rouge_l, s.vanilla_mean.rouge_l);
    std::printf("%-36s %8.3f %8.3f\n", "gold ingredients mentioned", s.rag_mean.ingredient_recall,
                s.vanilla_mean.ingredient_recall);
    std::printf("%-36s %8.3f\n", "top-1 cosine similarity", s.rag_mean_top1_cosine);
    if (a.metrics_only) {
        nlohmann::json j{{"n", s.n},
                         {"rag", {{"rouge_l", s.rag_mean.rouge_l}, {"ingredient_recall", s.rag_mean.ingredient_recall}}},
                         {"vanilla", {{"rouge_l", s.vanilla_mean.rouge_l}, {"ingredient_recall", s.vanilla_mean.ingredient_recall}}},
                         {"mean_top1_cosine", s.rag_mean_top1_cosine}};
        util::write_file_atomic(a.out, j.dump(2) + "\n");
        std::printf("metrics written to %s\n", a.out.c_str());
        return;
    }
    eval::write_comparison_reports(a.out, items, s, "ragppo: RAG vs vanilla on " + std::to_string(items.size()) + " test recipes");
    std::printf("report: %s/report.html (also report.md, report.jsonl)\n", a.out.c_str());
}

struct RetrievalArgs {
    rag::QueryEngineParams engine;
    TestSet test;
    int depth = 10;
    std::string out = "retrieval_eval.json";
};

void run_retrieval(RetrievalArgs & a) {
    rag::QueryEngine engine(a.engine);
    if (a.test.dataset.empty()) a.test.dataset = engine.manifest().info.dataset;
    const auto recipes = draw(a.test, a.engine.hub, a.test.sample);
    util::ProgressBar bar("retrieval", recipes.size(), "queries");
    const auto m = eval::self_retrieval(engine, recipes, a.depth, [&](size_t done, size_t) { bar.update(done); });
    bar.finish();
    std::printf("self-retrieval on %zu recipes (query = the recipe's name, depth %d)\n", m.queries, a.depth);
    std::printf("  recall@1 %.3f   recall@3 %.3f   MRR %.3f\n", m.recall_at_1, m.recall_at_3, m.mrr);
    nlohmann::json j{{"queries", m.queries}, {"depth", a.depth}, {"recall_at_1", m.recall_at_1},
                     {"recall_at_3", m.recall_at_3}, {"mrr", m.mrr}, {"index", a.engine.index_dir},
                     {"dataset", a.test.dataset}};
    util::write_file_atomic(a.out, j.dump(2) + "\n");
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
