// Summaries from a GPT-2 policy and their ROUGE against the references: the
// query of an article (its first tokens, no padding), batched rollouts, the
// decoded response, and the held-out evaluation `ragppo summarize-eval` and
// `ragppo ppo` report before and after training.
#pragma once

#include "rl/rollout.h"
#include "rl/summary_data.h"
#include "text/gpt2_tokenizer.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace ragppo::rl {

// The tokenizer files of a checkpoint directory (tokenizer.json, or vocab.json +
// merges.txt). Throws ragppo::Error naming the directory when they are missing
// or unreadable.
text::Gpt2Tokenizer load_checkpoint_tokenizer(const std::filesystem::path & dir);

// The article's tokens, cut to `max_tokens` (the reference's 512). Nothing is
// padded here: batches pad inside themselves, with masks (the reference
// left-padded every query with EOS to 512 and attended to it).
std::vector<int32_t> article_query(const text::Gpt2Tokenizer & tok, const std::string & article, int64_t max_tokens);

// The response as text: the final EOS and other special tokens dropped.
std::string response_text(const text::Gpt2Tokenizer & tok, const std::vector<int32_t> & response);

struct SummarizeParams {
    int64_t query_max_tokens = 512;
    RolloutParams rollout;    // max_new_tokens, sampler, eos/pad ids
    int64_t batch_size = 8;   // rollouts generated together
    uint64_t seed = 0;        // for sampling
    bool use_stemmer = false; // ROUGE option (the reward never stems)
};

struct SummaryResult {
    std::string id;
    std::string summary;
    double rouge1 = 0, rouge2 = 0, rougeL = 0;  // F1
    int64_t response_tokens = 0;
    bool truncated = false;
};

struct SummarizeEvalResult {
    std::vector<SummaryResult> items;
    double rouge1 = 0, rouge2 = 0, rougeL = 0;  // means over items
    double seconds = 0;
};

// Summarises every example (in order, `batch_size` at a time) and scores it.
// The same seed gives the same summaries. `on_progress(done)` after each batch.
SummarizeEvalResult summarize_eval(Gpt2PolicyImpl & policy, const text::Gpt2Tokenizer & tok,
                                   const std::vector<SummaryExample> & examples, const SummarizeParams & params,
                                   const std::function<void(size_t)> & on_progress = {});

// The result as JSON: rouge1, rouge2, rougeL (means), n, seconds, and items
// (id, summary, rouge1, rouge2, rougeL, truncated), as eval.json and
// `summarize-eval -o` write it.
nlohmann::json summarize_eval_json(const SummarizeEvalResult & result);

}  // namespace ragppo::rl
