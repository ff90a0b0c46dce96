// ragppo's public API, metrics face: ROUGE-1/2/L with the semantics of Google's
// rouge_score 0.1.2 (what Hugging Face `evaluate` wraps, and the reference's PPO
// reward): its tokenizer, optional NLTK Porter stemming, clipped n-gram overlap, LCS;
// equal to rouge_score's to the last bit on the same text.
#pragma once

#include <string_view>

namespace ragppo {

struct RougeScore {
    double precision = 0.0;
    double recall = 0.0;
    double fmeasure = 0.0;  // F1
};

struct RougeScores {
    RougeScore rouge1;
    RougeScore rouge2;
    RougeScore rougeL;
};

// rouge_score's RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer).score(target, prediction).
RougeScores rouge(std::string_view target, std::string_view prediction, bool use_stemmer = false);

}  // namespace ragppo
