// The default sentence stage of the splitter: a rule-based stand-in for the NLTK Punkt
// English model LlamaIndex uses (its trained parameters are not available offline).
#pragma once

#include <string>
#include <vector>

namespace ragppo::rag {

// Splits text into sentences after '.', '?' or '!' followed by whitespace and another
// token (or by closing punctuation), the way Punkt does without a trained model, plus
// a short list of common abbreviations ("Mr.", "Dr.", "Inc."...) that never end a sentence.
// A period after a single letter never ends a sentence, one after a number only
// before a token that is not lowercase, an ellipsis only before an uppercase word.
//
// Pieces follow LlamaIndex's span convention: each runs from the start of its sentence
// to the start of the next, so whitespace stays with the sentence before it and the
// pieces concatenate back to `text`. All-whitespace text gives no pieces.
std::vector<std::string> split_sentences(const std::string & text);

}  // namespace ragppo::rag
