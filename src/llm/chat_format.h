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
    // `model_name` (id or path) lets ChatFormat::Auto recognise Phi-3.
    ChatFormatter(const llama_model * model, ChatFormat format, const std::string & model_name);
    ~ChatFormatter();
    std::string apply(const std::string & user_prompt) const;

private:
    ChatFormat format_;
    common_chat_templates * templates_ = nullptr;  // only for ChatFormat::Template
};

}  // namespace ragppo::llm
