// Turning a user prompt into the text the model reads.
#pragma once

#include "ragppo.h"

#include <llama.h>

#include <memory>
#include <string>

struct common_chat_templates;

namespace ragppo::llm {

class ChatFormatter {
public:
    ChatFormatter(const llama_model * model, ChatFormat format);
    ~ChatFormatter();
    std::string apply(const std::string & user_prompt) const;

private:
    ChatFormat format_;
    common_chat_templates * templates_ = nullptr;  // only for ChatFormat::Template
};

}  // namespace ragppo::llm
