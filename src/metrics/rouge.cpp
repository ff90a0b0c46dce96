#include "metrics/rouge.h"

#include "metrics/porter_stemmer.h"
#include "text/utf8.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <unordered_map>

namespace ragppo::metrics {
namespace {

bool is_ascii_alnum_lower(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Maps the tokens of both texts to small integers so n-grams and the LCS
// compare ints, not strings.
struct TokenIds {
    std::vector<int> target, prediction;
};

TokenIds intern(const std::vector<std::string> & target, const std::vector<std::string> & prediction) {
    std::unordered_map<std::string_view, int> ids;
    const auto map = [&](const std::vector<std::string> & tokens) {
        std::vector<int> out;
        out.reserve(tokens.size());
        for (const std::string & t : tokens) out.push_back(ids.emplace(t, static_cast<int>(ids.size())).first->second);
        return out;
    };
    TokenIds r;
    r.target = map(target);
    r.prediction = map(prediction);
    return r;
}

// rouge_score.scoring.fmeasure, with the same operation order.
double fmeasure(double precision, double recall) {
    return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
}

std::unordered_map<std::string, int> count_ngrams(const std::vector<int> & ids, int n) {
    std::unordered_map<std::string, int> counts;
    for (size_t i = 0; i + n <= ids.size(); ++i) {
        std::string key(reinterpret_cast<const char *>(&ids[i]), sizeof(int) * static_cast<size_t>(n));
        ++counts[key];
    }
    return counts;
}

}  // namespace

std::vector<std::string> rouge_tokenize(std::string_view text, bool use_stemmer) {
    std::vector<std::string> tokens;
    std::string current;
    const auto finish = [&] {
        if (current.empty()) return;
        if (use_stemmer && current.size() > 3) current = porter_stem(current);
        if (!current.empty()) tokens.push_back(std::move(current));
        current.clear();
    };
    size_t pos = 0;
    while (pos < text.size()) {
        const char c = text[pos];
        if (static_cast<unsigned char>(c) < 0x80) {
            ++pos;
            const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
            if (is_ascii_alnum_lower(lower)) current.push_back(lower);
            else finish();
            continue;
        }
        const text::Utf8Char ch = text::decode_utf8_char(text, pos);
        pos += ch.length;
        if (ch.valid && ch.codepoint == 0x212A) {  // KELVIN SIGN: lower() is "k"
            current.push_back('k');
        } else if (ch.valid && ch.codepoint == 0x0130) {  // lower() is "i" + U+0307 (a separator)
            current.push_back('i');
            finish();
        } else {
            finish();
        }
    }
    finish();
    return tokens;
}

RougeScore rouge_n(const std::vector<std::string> & target_tokens,
                   const std::vector<std::string> & prediction_tokens, int n) {
    if (n <= 0) throw std::invalid_argument("rouge_n: n must be positive");
    const TokenIds ids = intern(target_tokens, prediction_tokens);
    const auto target = count_ngrams(ids.target, n);
    const auto prediction = count_ngrams(ids.prediction, n);
    long long overlap = 0, target_count = 0, prediction_count = 0;
    for (const auto & [gram, count] : target) {
        target_count += count;
        const auto it = prediction.find(gram);
        if (it != prediction.end()) overlap += std::min(count, it->second);
    }
    for (const auto & [gram, count] : prediction) prediction_count += count;
    RougeScore s;
    s.precision = static_cast<double>(overlap) / static_cast<double>(std::max(prediction_count, 1LL));
    s.recall = static_cast<double>(overlap) / static_cast<double>(std::max(target_count, 1LL));
    s.fmeasure = fmeasure(s.precision, s.recall);
    return s;
}

RougeScore rouge_l(const std::vector<std::string> & target_tokens,
                   const std::vector<std::string> & prediction_tokens) {
    if (target_tokens.empty() || prediction_tokens.empty()) return {};
    const TokenIds ids = intern(target_tokens, prediction_tokens);
    // LCS length by dynamic programming over two rows.
    const size_t cols = ids.prediction.size();
    std::vector<int> prev(cols + 1, 0), row(cols + 1, 0);
    for (const int t : ids.target) {
        for (size_t j = 1; j <= cols; ++j) {
            row[j] = t == ids.prediction[j - 1] ? prev[j - 1] + 1 : std::max(prev[j], row[j - 1]);
        }
        std::swap(prev, row);
    }
    const double lcs = prev[cols];
    RougeScore s;
    s.precision = lcs / static_cast<double>(prediction_tokens.size());
    s.recall = lcs / static_cast<double>(target_tokens.size());
    s.fmeasure = fmeasure(s.precision, s.recall);
    return s;
}

RougeScores rouge_scores(std::string_view target, std::string_view prediction, bool use_stemmer) {
    const auto t = rouge_tokenize(target, use_stemmer);
    const auto p = rouge_tokenize(prediction, use_stemmer);
    return RougeScores{rouge_n(t, p, 1), rouge_n(t, p, 2), rouge_l(t, p)};
}

double rouge1_f1(std::string_view target, std::string_view prediction) {
    return rouge_n(rouge_tokenize(target), rouge_tokenize(prediction), 1).fmeasure;
}

}  // namespace ragppo::metrics
