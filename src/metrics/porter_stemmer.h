// The Porter stemmer exactly as NLTK implements it in its default mode
// (PorterStemmer.NLTK_EXTENSIONS, nltk 3.9), which is what Google's rouge_score
// uses when use_stemmer=True. NLTK's extensions differ from Porter's original
// algorithm (irregular forms such as "dying" -> "die", "-ies"/"-ied" on 4-letter
// words, "y" -> "i" only after a consonant, "-bli", "-fulli", "-logi", ...).
#pragma once

#include <string>
#include <string_view>

namespace ragppo::metrics {

// Stem of a lowercase ASCII word (what rouge_score's tokenizer produces).
std::string porter_stem(std::string_view word);

}  // namespace ragppo::metrics
