// ragppo demo: the README's first command. Embeds a few real recipes with the
// default embedder, shows the nearest ones to a question, then answers the
// question with the default LLM (vanilla; the RAG answer comes with `ragppo ask`).
#include "cli/commands.h"
#include "cli/options.h"
#include "data/recipe.h"
#include "embed/pooling.h"
#include "util/progress.h"

#include <algorithm>
#include <cstdio>
#include <numeric>

#ifndef RAGPPO_SOURCE_DIR
#define RAGPPO_SOURCE_DIR "."
#endif

namespace ragppo::cli {

namespace {

struct DemoArgs {
    std::string recipes = std::string(RAGPPO_SOURCE_DIR) + "/../shared/data/recipes/recipes.json";
    std::string question = "How do I make chicken noodle soup?";
    size_t n_recipes = 64;
    EmbedderParams embed;
    GeneratorParams gen;
    SamplingParams sampling;
    HubParams hub;  // one set of hub flags for both models
};

void run(DemoArgs & a) {
    a.embed.hub = a.gen.hub = a.hub;
    auto recipes = data::load_recipes_json(a.recipes, a.n_recipes);
    std::fprintf(stderr, "loaded %zu recipes from %s\n", recipes.size(), a.recipes.c_str());

    auto e = embedder_load(a.embed);
    std::vector<std::string> docs;
    for (const auto & r : recipes) docs.push_back(data::document_text(r));
    util::ProgressBar bar("embedding", docs.size(), "texts");
    auto vecs = embed_documents(*e, docs, [&](size_t done, size_t) { bar.update(done); });
    bar.finish();
    auto q = embed_queries(*e, {a.question});
    const int dim = embedder_dim(*e);

    std::vector<size_t> order(recipes.size());
    std::iota(order.begin(), order.end(), 0);
    std::vector<double> score(recipes.size());
    for (size_t i = 0; i < recipes.size(); ++i) score[i] = embed::cosine(q.data(), &vecs[i * dim], dim);
    std::sort(order.begin(), order.end(), [&](size_t x, size_t y) { return score[x] > score[y]; });

    std::printf("Question: %s\n\nNearest recipes (cosine similarity):\n", a.question.c_str());
    for (size_t k = 0; k < std::min<size_t>(3, order.size()); ++k) {
        std::printf("  %.3f  %s\n", score[order[k]], recipes[order[k]].name.c_str());
    }
    std::printf("\nAnswer (%s, no retrieval):\n", a.gen.model.empty() ? default_llm_id().c_str() : a.gen.model.c_str());
    auto g = generator_load(a.gen);
    Generation r = generate(*g, a.question, a.sampling, [](const std::string & piece) {
        std::fputs(piece.c_str(), stdout);
        std::fflush(stdout);
    });
    std::printf("\n\n[%d prompt tokens, %d generated, stop: %s]\n", r.prompt_tokens, r.completion_tokens,
                stop_reason_name(r.stop));
}

}  // namespace

void register_demo(CLI::App & app) {
    auto args = std::make_shared<DemoArgs>();
    auto * cmd = app.add_subcommand("demo", "Embed a few shared recipes and answer one question with the default models");
    cmd->add_option("--recipes", args->recipes, "recipes.json (title, ingredients[], instructions[])")->capture_default_str();
    cmd->add_option("-q,--question", args->question, "The question")->capture_default_str()->check(not_blank("the question"));
    cmd->add_option("--n-recipes", args->n_recipes, "How many recipes to embed, >= 1")->capture_default_str()->check(int_in("--n-recipes", 1, 1'000'000));
    add_embedder_options(cmd, args->embed, /*with_hub=*/false);
    add_generator_options(cmd, args->gen, /*with_hub=*/false);
    add_hub_options(cmd, args->hub);
    add_sampling_options(cmd, args->sampling);
    cmd->callback([args] { run(*args); });
}

}  // namespace ragppo::cli
