#include "eval/self_retrieval.h"

namespace ragppo::eval {

RetrievalMetrics self_retrieval(const rag::QueryEngine & engine, const std::vector<data::Recipe> & recipes, int depth,
                                const std::function<void(size_t, size_t)> & on_progress) {
    std::vector<size_t> ranks;
    ranks.reserve(recipes.size());
    for (const auto & r : recipes) {
        std::vector<std::string> uids;
        for (const auto & hit : engine.retrieve(r.name, depth)) uids.push_back(hit.node.uid);
        ranks.push_back(rank_of(uids, r.uid));
        if (on_progress) on_progress(ranks.size(), recipes.size());
    }
    return retrieval_metrics(ranks);
}

}  // namespace ragppo::eval
