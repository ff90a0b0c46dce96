#include "llm/chat_format.h"

#include <chat.h>

#include <cctype>

namespace ragppo::llm {

namespace {

bool mentions_phi3(std::string name) {
    for (auto & c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return name.find("phi-3") != std::string::npos || name.find("phi3") != std::string::npos;
}

}  // namespace

ChatFormatter::ChatFormatter(const llama_model * model, ChatFormat format, const std::string & model_name)
    : format_(format) {
    if (format_ == ChatFormat::Auto) {
        const bool has_template = llama_model_chat_template(model, nullptr) != nullptr;
        format_ = mentions_phi3(model_name) ? ChatFormat::Phi3 : has_template ? ChatFormat::Template : ChatFormat::Raw;
    }
    if (format_ != ChatFormat::Template) {
        return;
    }
    if (llama_model_chat_template(model, nullptr) == nullptr) {
        throw Error("the model has no chat template; use --format raw or --format phi3");
    }
    // llama.cpp's own Jinja engine renders the GGUF's template, so every model's
    // template behaves as upstream intends rather than as we re-implement it.
    templates_ = common_chat_templates_init(model, "").release();
}

ChatFormatter::~ChatFormatter() {
    if (templates_ != nullptr) {
        common_chat_templates_free(templates_);
    }
}

std::string ChatFormatter::apply(const std::string & user_prompt) const {
    switch (format_) {
        case ChatFormat::Auto:  // resolved in the constructor
        case ChatFormat::Raw:
            return user_prompt;
        case ChatFormat::Phi3:
            // The reference notebook's exact wrapper (note the space before <|end|>).
            return "<|user|>\n" + user_prompt + " <|end|>\n<|assistant|>";
        case ChatFormat::Template: {
            common_chat_templates_inputs in;
            common_chat_msg msg;
            msg.role = "user";
            msg.content = user_prompt;
            in.messages.push_back(msg);
            in.add_generation_prompt = true;
            in.use_jinja = true;
            return common_chat_templates_apply(templates_, in).prompt;
        }
    }
    return user_prompt;
}

}  // namespace ragppo::llm
