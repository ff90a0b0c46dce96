// Sampling presets per model: the reference's for all, plus a repetition penalty for
// the embedded 135M default, whose greedy-ish answers otherwise repeat one line to
// the token limit (issue 10: "How do I make Beefy Cheese Ball?" gave 40 lines of `*`).
#include "ragppo.h"

namespace ragppo {

SamplingParams default_sampling(const std::string & model) {
    SamplingParams s;  // the reference: temperature 0.7, top-k 50, no penalties
    if (model.empty() || model == default_llm_id()) {
        // Chosen with eval-answers on the shared RecipeNLG sample (docs/MODELS.md,
        // "Sampling preset of the embedded LLM"): 1.1 doubled the RAG answers'
        // ingredient recall and left vanilla's as it was; stronger or OpenAI-style
        // penalties did less.
        s.repeat_penalty = 1.1f;
    }
    return s;
}

}  // namespace ragppo
