// ROUGE-N and ROUGE-L (not Lsum) with the semantics of Google's rouge_score
// 0.1.2, which Hugging Face `evaluate` wraps: its tokenizer (lowercase, every
// run of characters other than [a-z0-9] is a separator, optional NLTK Porter
// stemming of tokens longer than 3 characters), clipped n-gram overlap, LCS.
// Scores are computed with the same floating-point operations, so they match
// rouge_score to the last bit on the same tokens.
#pragma once

#include "ragppo/metrics.h"

#include <string>
#include <string_view>
#include <vector>

namespace ragppo::metrics {

using ragppo::RougeScore;   // include/ragppo/metrics.h
using ragppo::RougeScores;


// rouge_score's tokenize(): the text is UTF-8; only ASCII letters and digits
// survive (plus the two non-ASCII characters Python lowercases to ASCII: U+0130
// and the Kelvin sign U+212A).
std::vector<std::string> rouge_tokenize(std::string_view text, bool use_stemmer = false);

// Scores of `prediction` against `target` (the reference), in rouge_score's
// argument order: score(target, prediction).
RougeScore rouge_n(const std::vector<std::string> & target_tokens,
                   const std::vector<std::string> & prediction_tokens, int n);
RougeScore rouge_l(const std::vector<std::string> & target_tokens,
                   const std::vector<std::string> & prediction_tokens);

RougeScores rouge_scores(std::string_view target, std::string_view prediction, bool use_stemmer = false);

// The PPO reward: ROUGE-1 F1 without stemming, as `evaluate`'s rouge computes it.
double rouge1_f1(std::string_view target, std::string_view prediction);

}  // namespace ragppo::metrics
