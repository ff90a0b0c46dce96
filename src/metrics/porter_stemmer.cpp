#include "metrics/porter_stemmer.h"

#include <functional>
#include <initializer_list>
#include <unordered_map>

namespace ragppo::metrics {
namespace {

using Condition = std::function<bool(const std::string & stem)>;

struct Rule {
    std::string_view suffix;  // "*d": "ends with a double consonant" instead of a suffix
    std::string replacement;
    Condition condition;      // empty: unconditional
};

bool is_vowel_letter(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

// A consonant is a letter other than a, e, i, o, u, and other than y preceded by a consonant.
bool is_consonant(const std::string & w, size_t i) {
    if (is_vowel_letter(w[i])) return false;
    if (w[i] == 'y') return i == 0 ? true : !is_consonant(w, i - 1);
    return true;
}

// m in [C](VC){m}[V]: the number of vowel-to-consonant transitions.
int measure(const std::string & stem) {
    int m = 0;
    for (size_t i = 1; i < stem.size(); ++i) {
        if (!is_consonant(stem, i - 1) && is_consonant(stem, i)) ++m;
    }
    return m;
}

bool contains_vowel(const std::string & stem) {
    for (size_t i = 0; i < stem.size(); ++i) {
        if (!is_consonant(stem, i)) return true;
    }
    return false;
}

bool ends_double_consonant(const std::string & w) {
    const size_t n = w.size();
    return n >= 2 && w[n - 1] == w[n - 2] && is_consonant(w, n - 1);
}

// *o: ends consonant-vowel-consonant, the last not w, x or y; NLTK also accepts
// a two-letter vowel-consonant word.
bool ends_cvc(const std::string & w) {
    const size_t n = w.size();
    if (n >= 3 && is_consonant(w, n - 3) && !is_consonant(w, n - 2) && is_consonant(w, n - 1) &&
        w[n - 1] != 'w' && w[n - 1] != 'x' && w[n - 1] != 'y') {
        return true;
    }
    return n == 2 && !is_consonant(w, 0) && is_consonant(w, 1);
}

bool ends_with(const std::string & w, std::string_view suffix) {
    return w.size() >= suffix.size() && w.compare(w.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string drop(const std::string & w, size_t n) { return w.substr(0, w.size() - n); }

// The first rule whose suffix matches decides: applied when its condition holds,
// otherwise the word is returned unchanged (no later rule is tried).
std::string apply_rules(const std::string & word, const std::vector<Rule> & rules) {
    for (const Rule & r : rules) {
        if (r.suffix == "*d" && ends_double_consonant(word)) {
            const std::string stem = drop(word, 2);
            return !r.condition || r.condition(stem) ? stem + r.replacement : word;
        }
        if (ends_with(word, r.suffix)) {
            const std::string stem = drop(word, r.suffix.size());
            return !r.condition || r.condition(stem) ? stem + r.replacement : word;
        }
    }
    return word;
}

const Condition kPositiveMeasure = [](const std::string & s) { return measure(s) > 0; };
const Condition kMeasureAbove1 = [](const std::string & s) { return measure(s) > 1; };

std::string step1a(const std::string & w) {
    if (ends_with(w, "ies") && w.size() == 4) return drop(w, 3) + "ie";
    static const std::vector<Rule> rules = {{"sses", "ss", {}}, {"ies", "i", {}}, {"ss", "ss", {}}, {"s", "", {}}};
    return apply_rules(w, rules);
}

std::string step1b(const std::string & w) {
    if (ends_with(w, "ied")) return drop(w, 3) + (w.size() == 4 ? "ie" : "i");
    if (ends_with(w, "eed")) {
        const std::string stem = drop(w, 3);
        return measure(stem) > 0 ? stem + "ee" : w;
    }
    std::string stem;
    bool removed = false;
    for (const std::string_view suffix : {std::string_view("ed"), std::string_view("ing")}) {
        if (ends_with(w, suffix)) {
            stem = drop(w, suffix.size());
            if (contains_vowel(stem)) {
                removed = true;
                break;
            }
        }
    }
    if (!removed) return w;
    const char last = stem.back();
    const std::vector<Rule> rules = {
        {"at", "ate", {}},
        {"bl", "ble", {}},
        {"iz", "ize", {}},
        {"*d", std::string(1, last), [last](const std::string &) { return last != 'l' && last != 's' && last != 'z'; }},
        {"", "e", [](const std::string & s) { return measure(s) == 1 && ends_cvc(s); }},
    };
    return apply_rules(stem, rules);
}

std::string step1c(const std::string & w) {
    static const std::vector<Rule> rules = {
        {"y", "i", [](const std::string & s) { return s.size() > 1 && is_consonant(s, s.size() - 1); }}};
    return apply_rules(w, rules);
}

std::string step2(const std::string & w) {
    // NLTK applies "alli" -> "al" first and runs the result through step 2 again.
    if (ends_with(w, "alli") && measure(drop(w, 4)) > 0) return step2(drop(w, 4) + "al");
    std::vector<Rule> rules = {
        {"ational", "ate", kPositiveMeasure}, {"tional", "tion", kPositiveMeasure},
        {"enci", "ence", kPositiveMeasure},   {"anci", "ance", kPositiveMeasure},
        {"izer", "ize", kPositiveMeasure},    {"bli", "ble", kPositiveMeasure},
        {"alli", "al", kPositiveMeasure},     {"entli", "ent", kPositiveMeasure},
        {"eli", "e", kPositiveMeasure},       {"ousli", "ous", kPositiveMeasure},
        {"ization", "ize", kPositiveMeasure}, {"ation", "ate", kPositiveMeasure},
        {"ator", "ate", kPositiveMeasure},    {"alism", "al", kPositiveMeasure},
        {"iveness", "ive", kPositiveMeasure}, {"fulness", "ful", kPositiveMeasure},
        {"ousness", "ous", kPositiveMeasure}, {"aliti", "al", kPositiveMeasure},
        {"iviti", "ive", kPositiveMeasure},   {"biliti", "ble", kPositiveMeasure},
        {"fulli", "ful", kPositiveMeasure},
        // The "l" of "logi" stays with the stem for the measure, so "geo-logi" works.
        {"logi", "log", [&w](const std::string &) { return measure(drop(w, 3)) > 0; }},
    };
    return apply_rules(w, rules);
}

std::string step3(const std::string & w) {
    static const std::vector<Rule> rules = {
        {"icate", "ic", kPositiveMeasure}, {"ative", "", kPositiveMeasure}, {"alize", "al", kPositiveMeasure},
        {"iciti", "ic", kPositiveMeasure}, {"ical", "ic", kPositiveMeasure}, {"ful", "", kPositiveMeasure},
        {"ness", "", kPositiveMeasure},
    };
    return apply_rules(w, rules);
}

std::string step4(const std::string & w) {
    static const std::vector<Rule> rules = {
        {"al", "", kMeasureAbove1},    {"ance", "", kMeasureAbove1}, {"ence", "", kMeasureAbove1},
        {"er", "", kMeasureAbove1},    {"ic", "", kMeasureAbove1},   {"able", "", kMeasureAbove1},
        {"ible", "", kMeasureAbove1},  {"ant", "", kMeasureAbove1},  {"ement", "", kMeasureAbove1},
        {"ment", "", kMeasureAbove1},  {"ent", "", kMeasureAbove1},
        {"ion", "", [](const std::string & s) { return measure(s) > 1 && (s.back() == 's' || s.back() == 't'); }},
        {"ou", "", kMeasureAbove1},    {"ism", "", kMeasureAbove1},  {"ate", "", kMeasureAbove1},
        {"iti", "", kMeasureAbove1},   {"ous", "", kMeasureAbove1},  {"ive", "", kMeasureAbove1},
        {"ize", "", kMeasureAbove1},
    };
    return apply_rules(w, rules);
}

std::string step5a(const std::string & w) {
    if (ends_with(w, "e")) {
        const std::string stem = drop(w, 1);
        const int m = measure(stem);
        if (m > 1 || (m == 1 && !ends_cvc(stem))) return stem;
    }
    return w;
}

std::string step5b(const std::string & w) {
    const std::vector<Rule> rules = {{"ll", "l", [&w](const std::string &) { return measure(drop(w, 1)) > 1; }}};
    return apply_rules(w, rules);
}

const std::unordered_map<std::string_view, std::string_view> & irregular_forms() {
    static const std::unordered_map<std::string_view, std::string_view> forms = {
        {"sky", "sky"},         {"skies", "sky"},       {"dying", "die"},       {"lying", "lie"},
        {"tying", "tie"},       {"news", "news"},       {"innings", "inning"},  {"inning", "inning"},
        {"outings", "outing"},  {"outing", "outing"},   {"cannings", "canning"}, {"canning", "canning"},
        {"howe", "howe"},       {"proceed", "proceed"}, {"exceed", "exceed"},   {"succeed", "succeed"},
    };
    return forms;
}

}  // namespace

std::string porter_stem(std::string_view word) {
    std::string w(word);
    for (char & c : w) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    if (const auto it = irregular_forms().find(w); it != irregular_forms().end()) return std::string(it->second);
    if (w.size() <= 2) return w;  // NLTK leaves one- and two-letter words alone
    w = step1a(w);
    w = step1b(w);
    w = step1c(w);
    w = step2(w);
    w = step3(w);
    w = step4(w);
    w = step5a(w);
    w = step5b(w);
    return w;
}

}  // namespace ragppo::metrics
