#include "rag/sentence_split.h"

#include "rag/py_str.h"

#include <cctype>
#include <string_view>
#include <unordered_set>

namespace ragppo::rag {

namespace {

// Punkt's "non-word" characters: they end a word token and may follow a sentence end.
constexpr std::string_view kNonWord = ")\";}]*:@'({[!?";
// Closing punctuation that belongs to the sentence before it ("Done.)" / 'He left."').
constexpr std::string_view kClosing = "\"')]}";

bool is_abbreviation(const std::string & lower) {
    // Common abbreviations that NLTK's trained English Punkt model also treats as such
    // (units like "oz." or "tsp." are not among them: the reference splits there).
    static const std::unordered_set<std::string> set = {
        "mr", "mrs", "ms", "dr", "prof", "jr", "sr", "st", "vs", "inc", "ltd", "co", "corp", "jan", "feb",
        "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "a.m", "p.m", "ft", "gen", "sen", "rep", "ave"};
    if (set.count(lower)) return true;
    const size_t dash = lower.rfind('-');
    return dash != std::string::npos && set.count(lower.substr(dash + 1));
}

// Punkt's number type: -?[.,]?\d[\d,.-]*\.?
bool is_number(std::string_view w) {
    size_t i = 0;
    if (i < w.size() && w[i] == '-') ++i;
    if (i < w.size() && (w[i] == '.' || w[i] == ',')) ++i;
    if (i >= w.size() || !std::isdigit(static_cast<unsigned char>(w[i]))) return false;
    for (++i; i < w.size(); ++i) {
        const char c = w[i];
        if (!std::isdigit(static_cast<unsigned char>(c)) && c != ',' && c != '.' && c != '-') return false;
    }
    return true;
}

bool ascii_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// Does the '.', '?' or '!' ending word `w` end a sentence, given the first character
// of what follows?
bool ends_sentence(char punct, std::string_view w, char next) {
    if (punct != '.' || w.empty()) return true;
    const bool next_upper = std::isupper(static_cast<unsigned char>(next));
    const bool next_lower = std::islower(static_cast<unsigned char>(next));
    if (w.back() == '.') return next_upper;  // an ellipsis
    std::string lower(w);
    for (auto & c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (is_abbreviation(lower)) return false;
    // Most single letters are abbreviations in the English model ("J. Smith", "2 c. flour").
    if (w.size() == 1 && std::isalpha(static_cast<unsigned char>(w[0]))) return false;
    if (is_number(w) && (next_lower || std::string_view(";:,.!?").find(next) != std::string_view::npos)) return false;
    return true;
}

}  // namespace

std::vector<std::string> split_sentences(const std::string & text) {
    const size_t n = text.size();
    if (py_strip(text).empty()) return {};

    // A candidate end is a '.', '?' or '!' followed by a non-word character, or by
    // whitespace and then more text.
    std::vector<size_t> cands;
    for (size_t i = 0; i < n; ++i) {
        const char c = text[i];
        if (c != '.' && c != '?' && c != '!') continue;
        const size_t j = i + 1;
        if (j >= n) continue;
        if (kNonWord.find(text[j]) != std::string_view::npos) { cands.push_back(i); continue; }
        size_t k = j;
        while (k < n) {
            const size_t w = py_space_at(text, k);
            if (w == 0) break;
            k += w;
        }
        if (k > j && k < n) cands.push_back(i);
    }

    // Where each candidate's preceding word starts, as Punkt finds it: after the last
    // ASCII whitespace since the previous candidate, else where the previous one's started.
    std::vector<size_t> word_start(cands.size());
    for (size_t ci = 0; ci < cands.size(); ++ci) {
        const size_t from = ci ? cands[ci - 1] : 0;
        size_t ws = cands[ci];
        while (ws > from && !ascii_space(text[ws - 1])) --ws;
        // Punkt's quirk: whitespace at the very start of the searched span counts as none.
        word_start[ci] = ws > from + 1 ? ws : (ci ? word_start[ci - 1] : 0);
    }

    std::vector<size_t> starts{0};
    for (size_t ci = 0; ci < cands.size(); ++ci) {
        const size_t i = cands[ci];
        // A candidate whose word runs on into the next candidate ("acting!!!") defers to
        // that one, unless its own word is empty (a lone "?" after a space).
        if (ci + 1 < cands.size() && word_start[ci + 1] < i) continue;
        const size_t j = i + 1;
        const bool nonword = kNonWord.find(text[j]) != std::string_view::npos;
        size_t next_tok = j;
        while (!nonword && next_tok < n) {
            const size_t w = py_space_at(text, next_tok);
            if (w == 0) break;
            next_tok += w;
        }
        size_t b = i;  // start of the word before the punctuation
        while (b > 0 && !ascii_space(text[b - 1]) && kNonWord.find(text[b - 1]) == std::string_view::npos) --b;
        if (b > 0 && std::string_view("'!?").find(text[b - 1]) != std::string_view::npos) --b;  // these may start a word ("'s.")
        std::string_view word(text.data() + b, i - b);
        while (!word.empty() && std::string_view("`&#-,").find(word.front()) != std::string_view::npos) word.remove_prefix(1);

        if (!ends_sentence(text[i], word, text[nonword ? j : next_tok])) continue;

        size_t start = next_tok;
        if (nonword) {
            // Closing punctuation followed by whitespace, "--" or the end moves to this sentence.
            size_t m = j;
            while (m < n && kClosing.find(text[m]) != std::string_view::npos) ++m;
            const bool closes = m > j && (m == n || py_space_at(text, m) > 0 || text.compare(m, 2, "--") == 0);
            if (closes) {
                while (m < n) {
                    const size_t w = py_space_at(text, m);
                    if (w == 0) break;
                    m += w;
                }
            }
            start = closes ? m : j;
        }
        if (start < n && start > starts.back()) starts.push_back(start);
    }

    std::vector<std::string> out;
    for (size_t s = 0; s < starts.size(); ++s) {
        const size_t end = s + 1 < starts.size() ? starts[s + 1] : n;
        out.push_back(text.substr(starts[s], end - starts[s]));
    }
    return out;
}

}  // namespace ragppo::rag
