#include "rag/packing.h"

#include "ragppo.h"

#include <sstream>

namespace ragppo::rag {

namespace {

const char * kSeparator = "\n\n";

// Cut an oversized chunk into word-boundary pieces of at most `budget` tokens.
// Binary search on the word count keeps the number of tokenizer calls logarithmic.
std::vector<std::string> cut_by_words(const std::string & chunk, int budget, const TokenCounter & count) {
    std::vector<std::string> words;
    std::istringstream in(chunk);
    for (std::string w; in >> w;) words.push_back(w);
    auto join = [&](size_t from, size_t to) {
        std::string s;
        for (size_t i = from; i < to; ++i) {
            if (i > from) s += ' ';
            s += words[i];
        }
        return s;
    };
    std::vector<std::string> pieces;
    size_t start = 0;
    while (start < words.size()) {
        size_t lo = start + 1, hi = words.size();
        if (count(join(start, lo)) > budget) {
            // A single word over budget: keep it alone rather than loop forever.
            pieces.push_back(join(start, lo));
            start = lo;
            continue;
        }
        while (lo < hi) {  // largest end with count <= budget
            const size_t mid = (lo + hi + 1) / 2;
            if (count(join(start, mid)) <= budget) lo = mid;
            else hi = mid - 1;
        }
        pieces.push_back(join(start, lo));
        start = lo;
    }
    return pieces;
}

}  // namespace

std::vector<std::string> pack_chunks(const std::vector<std::string> & chunks, int budget,
                                     const TokenCounter & count_tokens) {
    if (budget < 1) {
        throw Error("no room left for context: the prompt and the answer fill the whole context window");
    }
    std::vector<std::string> pieces;
    for (const auto & c : chunks) {
        if (count_tokens(c) <= budget) {
            pieces.push_back(c);
        } else {
            auto cut = cut_by_words(c, budget, count_tokens);
            pieces.insert(pieces.end(), cut.begin(), cut.end());
        }
    }
    std::vector<std::string> packs;
    std::string current;
    for (const auto & p : pieces) {
        if (current.empty()) {
            current = p;
            continue;
        }
        std::string joined = current + kSeparator + p;
        if (count_tokens(joined) <= budget) {
            current = std::move(joined);
        } else {
            packs.push_back(std::move(current));
            current = p;
        }
    }
    if (!current.empty()) packs.push_back(std::move(current));
    return packs;
}

}  // namespace ragppo::rag
