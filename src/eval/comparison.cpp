#include "eval/comparison.h"

namespace ragppo::eval {

std::string how_do_i_make(const std::string & name) { return "How do I make " + name + "?"; }

std::vector<ComparisonItem> compare_rag_vanilla(rag::QueryEngine & engine, const std::vector<data::Recipe> & recipes,
                                                const std::function<void(size_t, size_t)> & on_item) {
    std::vector<ComparisonItem> items;
    for (size_t i = 0; i < recipes.size(); ++i) {
        ComparisonItem it;
        it.gold = recipes[i];
        const std::string q = how_do_i_make(it.gold.name);
        it.rag = engine.ask(q);
        it.vanilla = engine.vanilla(q);
        it.rag_metrics = answer_metrics(it.rag.answer, it.gold);
        it.vanilla_metrics = answer_metrics(it.vanilla.answer, it.gold);
        items.push_back(std::move(it));
        if (on_item) on_item(i + 1, recipes.size());
    }
    return items;
}

ComparisonSummary summarize(const std::vector<ComparisonItem> & items) {
    ComparisonSummary s;
    s.n = items.size();
    if (items.empty()) return s;
    for (const auto & it : items) {
        s.rag_mean.rouge_l += it.rag_metrics.rouge_l;
        s.rag_mean.ingredient_recall += it.rag_metrics.ingredient_recall;
        s.vanilla_mean.rouge_l += it.vanilla_metrics.rouge_l;
        s.vanilla_mean.ingredient_recall += it.vanilla_metrics.ingredient_recall;
        if (!it.rag.sources.empty()) s.rag_mean_top1_cosine += it.rag.sources[0].cosine;
    }
    const double n = double(items.size());
    s.rag_mean.rouge_l /= n;
    s.rag_mean.ingredient_recall /= n;
    s.vanilla_mean.rouge_l /= n;
    s.vanilla_mean.ingredient_recall /= n;
    s.rag_mean_top1_cosine /= n;
    return s;
}

}  // namespace ragppo::eval
