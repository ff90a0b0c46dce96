#include "rag/synthesizer.h"

#include "rag/packing.h"
#include "rag/prompts.h"

namespace ragppo::rag {

namespace {

// Tokens left for context once the formatted prompt (with an empty context) and
// the answer are reserved. Counted with the LLM's own tokenizer, before any call.
int context_budget(const Generator & g, const std::string & empty_prompt, int max_new_tokens) {
    const int fixed = generator_count_tokens(g, generator_format(g, empty_prompt));
    const int separators = 4;  // "\n\n" joins and the BOS token
    return generator_n_ctx(g) - fixed - max_new_tokens - separators;
}

void add_call(Synthesis & s, const Generation & r) {
    s.llm_calls += 1;
    s.prompt_tokens += r.prompt_tokens;
    s.cached_prompt_tokens += r.cached_prompt_tokens;
    s.completion_tokens += r.completion_tokens;
    s.llm_ms += r.prompt_ms + r.generate_ms;
    s.stop = r.stop;
    s.answer = r.text;
}

}  // namespace

}  // namespace ragppo::rag

namespace ragppo {

using namespace rag;

Synthesis synthesize(Generator & g, const std::string & query, const std::vector<std::string> & chunks,
                     ResponseMode mode, const SamplingParams & sampling,
                     const std::function<void(const std::string &)> & on_token) {
    if (chunks.empty()) {
        throw Error("no context to answer from: retrieval returned no chunks");
    }
    const TokenCounter count = [&g](const std::string & t) { return generator_count_tokens(g, t); };
    const int qa_budget = context_budget(g, qa_prompt("", query), sampling.max_new_tokens);

    std::vector<std::string> packs;
    if (mode == ResponseMode::Compact) {
        packs = pack_chunks(chunks, qa_budget, count);
    } else {
        for (const auto & c : chunks) {
            auto cut = pack_chunks({c}, qa_budget, count);
            packs.insert(packs.end(), cut.begin(), cut.end());
        }
    }

    Synthesis s;
    for (size_t i = 0; i < packs.size(); ++i) {
        const bool last = i + 1 == packs.size();
        const auto stream = last ? on_token : std::function<void(const std::string &)>{};
        if (i == 0) {
            add_call(s, generate(g, qa_prompt(packs[0], query), sampling, stream));
            continue;
        }
        // The refine prompt also carries the answer so far, so a pack that fit the QA
        // prompt may need cutting again.
        const int budget = context_budget(g, refine_prompt("", query, s.answer), sampling.max_new_tokens);
        const auto sub = pack_chunks({packs[i]}, budget, count);
        for (size_t j = 0; j < sub.size(); ++j) {
            const bool final_call = last && j + 1 == sub.size();
            add_call(s, generate(g, refine_prompt(sub[j], query, s.answer), sampling,
                                 final_call ? stream : std::function<void(const std::string &)>{}));
        }
    }
    return s;
}

}  // namespace ragppo
