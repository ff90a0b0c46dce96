#include "ragppo.h"

#include <algorithm>
#include <cctype>

namespace ragppo {

std::string default_query_instruction(const std::string & embed_model_id) {
    std::string id = embed_model_id;
    std::transform(id.begin(), id.end(), id.begin(), [](unsigned char c) { return std::tolower(c); });
    // BGE v1.5 English models were trained with this instruction on queries (not passages);
    // LlamaIndex adds it automatically for them, and so do we.
    if (id.find("bge-") != std::string::npos && id.find("-en") != std::string::npos && id.find("m3") == std::string::npos) {
        return "Represent this question for searching relevant passages: ";
    }
    return "";
}

}  // namespace ragppo
