// Sampling presets per model: the reference's for all but the embedded 135M default,
// which answers greedily with a repetition penalty: sampled at temperature 0.7 its
// RAG answers ignored the retrieved recipes, and unpenalised they repeat one line to
// the token limit (issue 10: "How do I make Beefy Cheese Ball?" gave 40 lines of `*`).
#include "ragppo.h"

namespace ragppo {

SamplingParams default_sampling(const std::string & model) {
    SamplingParams s;  // the reference: temperature 0.7, top-k 50, no penalties
    if (model.empty() || model == default_llm_id()) {
        // Chosen with eval-answers on the shared RecipeNLG sample (docs/MODELS.md,
        // "Sampling preset of the embedded LLM"): a penalty of 1.1 doubled the RAG
        // answers' ingredient recall (stronger or OpenAI-style penalties did less), and
        // greedy decoding with it raised both answers' recall again; with an index
        // that holds similar dishes RAG then beats vanilla (0.345 vs 0.213).
        s.repeat_penalty = 1.1f;
        s.temperature = 0;
    }
    return s;
}

}  // namespace ragppo
