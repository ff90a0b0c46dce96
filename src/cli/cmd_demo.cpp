// ragppo demo: the README's first command. Embeds a few real recipes with the
// default embedder, shows the nearest ones to a question, then answers the
// question with the default LLM (vanilla; the RAG answer comes with `ragppo ask`).
#include "commands.h"
#include "options.h"
#include "ragppo/data.h"
#include "ragppo/index.h"
#include "ragppo/util.h"

#include <cstdio>

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
    RecipeLoadParams load;
    load.limit = a.n_recipes;
    load.hub = a.hub;
    const auto recipes = recipes_load(a.recipes, load).recipes;
    std::fprintf(stderr, "loaded %zu recipes from %s\n", recipes.size(), a.recipes.c_str());

    auto e = embedder_load(a.embed);
    std::vector<std::string> docs;
    for (const auto & r : recipes) docs.push_back(recipe_document_text(r));
    ProgressBar bar("embedding", docs.size(), "texts");
    auto vecs = embed_documents(*e, docs, [&](size_t done, size_t) { bar.update(done); });
    bar.finish();
    // The same in-memory vector store `ragppo index` saves, searched as `ragppo ask` does.
    IndexInfo info;
    info.embed_model = a.embed.model;
    info.dim = embedder_dim(*e);
    VectorStorePtr store = vector_store_new(info);
    std::vector<IndexNode> nodes;
    for (size_t i = 0; i < recipes.size(); ++i) nodes.push_back({"", docs[i], recipes[i].uid, recipes[i].name, recipes[i].link});
    vector_store_add(*store, nodes, vecs);

    std::printf("Question: %s\n\nNearest recipes (cosine similarity):\n", a.question.c_str());
    for (const IndexHit & hit : vector_store_search(*store, embed_queries(*e, {a.question}), 3)) {
        std::printf("  %.3f  %s\n", hit.score, hit.node.name.c_str());
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
    add_sampling_options(cmd, args->sampling, args->gen.model);
    cmd->callback([args] { run(*args); });
}

}  // namespace ragppo::cli
