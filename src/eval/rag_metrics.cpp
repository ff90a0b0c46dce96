#include "eval/rag_metrics.h"

#include "metrics/rouge.h"

#include <cctype>

namespace ragppo::eval {

namespace {

std::string lower(std::string s) {
    for (auto & c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Whole-word (or whole-phrase) occurrence, so "oil" does not match "boil".
bool mentions(const std::string & text, const std::string & phrase) {
    if (phrase.empty()) return false;
    for (size_t at = text.find(phrase); at != std::string::npos; at = text.find(phrase, at + 1)) {
        const bool start_ok = at == 0 || !is_word_char(text[at - 1]);
        const size_t end = at + phrase.size();
        const bool end_ok = end >= text.size() || !is_word_char(text[end]) ||
                            (text[end] == 's' && (end + 1 >= text.size() || !is_word_char(text[end + 1])));
        if (start_ok && end_ok) return true;
    }
    return false;
}

}  // namespace

size_t rank_of(const std::vector<std::string> & ranked_uids, const std::string & uid) {
    for (size_t i = 0; i < ranked_uids.size(); ++i) {
        if (ranked_uids[i] == uid) return i + 1;
    }
    return 0;
}

RetrievalMetrics retrieval_metrics(const std::vector<size_t> & ranks) {
    RetrievalMetrics m;
    m.queries = ranks.size();
    if (ranks.empty()) return m;
    for (size_t r : ranks) {
        m.recall_at_1 += r == 1;
        m.recall_at_3 += r >= 1 && r <= 3;
        m.mrr += r ? 1.0 / double(r) : 0.0;
    }
    const double n = double(ranks.size());
    m.recall_at_1 /= n;
    m.recall_at_3 /= n;
    m.mrr /= n;
    return m;
}

double ingredient_recall(const std::string & answer, const std::vector<std::string> & ingredients) {
    if (ingredients.empty()) return 0;
    const std::string text = lower(answer);
    size_t hit = 0;
    for (const auto & ing : ingredients) hit += mentions(text, lower(ing));
    return double(hit) / double(ingredients.size());
}

AnswerMetrics answer_metrics(const std::string & answer, const data::Recipe & gold) {
    AnswerMetrics m;
    m.rouge_l = metrics::rouge_scores(gold.steps, answer).rougeL.fmeasure;
    m.ingredient_recall = ingredient_recall(answer, gold.ner);
    return m;
}

}  // namespace ragppo::eval
