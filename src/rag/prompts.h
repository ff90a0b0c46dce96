// The prompts of the RAG synthesizer, in our own words with the reference's
// semantics: a context block, an instruction to answer from the context rather
// than prior knowledge, the query, then an answer cue; the refine prompt shows
// the current answer and new context and asks for an improved answer.
#pragma once

#include <string>

namespace ragppo::rag {

inline std::string qa_prompt(const std::string & context, const std::string & query) {
    return "Here are some recipes that may help.\n"
           "=====\n" + context + "\n=====\n"
           "Answer the question using the recipes above, not what you knew before.\n"
           "Question: " + query + "\n"
           "Answer: ";
}

inline std::string refine_prompt(const std::string & context, const std::string & query,
                                 const std::string & existing_answer) {
    return "Question: " + query + "\n"
           "Current answer: " + existing_answer + "\n"
           "Here are more recipes that may help.\n"
           "=====\n" + context + "\n=====\n"
           "Improve the current answer with these recipes if they help; "
           "otherwise repeat the current answer unchanged.\n"
           "Improved answer: ";
}

}  // namespace ragppo::rag
