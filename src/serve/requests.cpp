#include "requests.h"

#include "api_error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <limits>

namespace ragppo::serve {

namespace {

using nlohmann::json;

const char * type_name(const json & v) {
    if (v.is_null()) return "null";
    if (v.is_boolean()) return "boolean";
    if (v.is_number()) return "number";
    if (v.is_string()) return "string";
    if (v.is_array()) return "array";
    return "object";
}

json parse_object(const std::string & body) {
    json j;
    try {
        j = json::parse(body);
    } catch (const json::parse_error & e) {
        // nlohmann's message names the byte offset; keep it but drop its "[json.exception...]" prefix.
        std::string what = e.what();
        const auto at = what.find("] ");
        throw bad_request("the request body is not valid JSON: " + (at == std::string::npos ? what : what.substr(at + 2)));
    }
    if (!j.is_object()) throw bad_request(std::string("the request body must be a JSON object, got ") + type_name(j));
    return j;
}

bool blank(const std::string & s) { return s.find_first_not_of(" \t\r\n\f\v") == std::string::npos; }

// A field present and not null (OpenAI clients send null for "not given").
const json * field(const json & j, const char * key) {
    const auto it = j.find(key);
    return it == j.end() || it->is_null() ? nullptr : &*it;
}

double number_in(const json & v, const char * key, double lo, double hi, bool lo_open) {
    if (!v.is_number()) throw bad_request(std::string(key) + " must be a number, got " + type_name(v));
    const double x = v.get<double>();
    if (!std::isfinite(x) || (lo_open ? !(x > lo) : x < lo) || x > hi) {
        auto shown = [](double b) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%g", b);
            return std::string(buf);
        };
        throw bad_request(std::string(key) + " must be in " + (lo_open ? "(" : "[") + shown(lo) + ", " + shown(hi) + "], got " + v.dump());
    }
    return x;
}

long long integer_in(const json & v, const char * key, long long lo, long long hi) {
    if (!v.is_number_integer() && !(v.is_number_float() && std::floor(v.get<double>()) == v.get<double>())) {
        throw bad_request(std::string(key) + " must be a whole number, got " + (v.is_number() ? v.dump() : type_name(v)));
    }
    const double x = v.get<double>();
    if (x < static_cast<double>(lo) || x > static_cast<double>(hi)) {
        throw bad_request(std::string(key) + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                          ", got " + v.dump());
    }
    return v.is_number_unsigned() ? static_cast<long long>(v.get<unsigned long long>()) : v.get<long long>();
}

RequestSampling parse_sampling(const json & j, const SamplingParams & defaults, int max_new_tokens) {
    RequestSampling r;
    r.sampling = defaults;
    if (const json * v = field(j, "temperature")) r.sampling.temperature = static_cast<float>(number_in(*v, "temperature", 0, 2, false));
    if (const json * v = field(j, "top_p")) r.sampling.top_p = static_cast<float>(number_in(*v, "top_p", 0, 1, true));
    if (const json * v = field(j, "top_k")) r.sampling.top_k = static_cast<int>(integer_in(*v, "top_k", 0, 1 << 20));
    // OpenAI's penalties take [-2, 2]; repeat_penalty, repeat_last_n and min_p are llama-server's names.
    if (const json * v = field(j, "presence_penalty"))
        r.sampling.presence_penalty = static_cast<float>(number_in(*v, "presence_penalty", -2, 2, false));
    if (const json * v = field(j, "frequency_penalty"))
        r.sampling.frequency_penalty = static_cast<float>(number_in(*v, "frequency_penalty", -2, 2, false));
    if (const json * v = field(j, "repeat_penalty"))
        r.sampling.repeat_penalty = static_cast<float>(number_in(*v, "repeat_penalty", 0, 10, true));
    if (const json * v = field(j, "repeat_last_n"))
        r.sampling.penalty_last_n = static_cast<int>(integer_in(*v, "repeat_last_n", 0, max_new_tokens));
    if (const json * v = field(j, "min_p")) r.sampling.min_p = static_cast<float>(number_in(*v, "min_p", 0, 1, false));
    if (const json * v = field(j, "seed")) r.sampling.seed = static_cast<uint32_t>(integer_in(*v, "seed", 0, std::numeric_limits<uint32_t>::max()));
    // max_completion_tokens is the newer OpenAI name; either may come.
    for (const char * key : {"max_tokens", "max_completion_tokens"}) {
        if (const json * v = field(j, key)) r.sampling.max_new_tokens = static_cast<int>(integer_in(*v, key, 1, max_new_tokens));
    }
    if (const json * v = field(j, "n"); v && integer_in(*v, "n", 1, 1) != 1) throw bad_request("n must be 1");
    if (const json * v = field(j, "stop")) {
        if (v->is_string()) {
            r.stop.push_back(v->get<std::string>());
        } else if (v->is_array()) {
            if (v->size() > 4) throw bad_request("stop takes at most 4 sequences, got " + std::to_string(v->size()));
            for (const auto & s : *v) {
                if (!s.is_string()) throw bad_request(std::string("stop must hold strings, got ") + type_name(s));
                r.stop.push_back(s.get<std::string>());
            }
        } else {
            throw bad_request(std::string("stop must be a string or a list of strings, got ") + type_name(*v));
        }
        for (const auto & s : r.stop) {
            if (s.empty()) throw bad_request("stop sequences must not be empty");
        }
    }
    return r;
}

// A message's text: a string, or OpenAI's list of content parts ({"type": "text", "text": ...}).
std::string message_text(const json & content, size_t i) {
    const std::string where = "messages[" + std::to_string(i) + "].content";
    if (content.is_string()) return content.get<std::string>();
    if (!content.is_array()) throw bad_request(where + " must be a string or a list of text parts, got " + type_name(content));
    std::string text;
    for (const auto & part : content) {
        const json * t = part.is_object() ? field(part, "text") : nullptr;
        if (!t || !t->is_string()) throw bad_request(where + " parts must be {\"type\": \"text\", \"text\": string}");
        text += t->get<std::string>();
    }
    return text;
}

std::string last_user_message(const json & j) {
    const json * messages = field(j, "messages");
    if (!messages) throw bad_request("messages is required");
    if (!messages->is_array()) throw bad_request(std::string("messages must be a list, got ") + type_name(*messages));
    if (messages->empty()) throw bad_request("messages is empty");
    std::string question;
    bool found = false;
    for (size_t i = 0; i < messages->size(); ++i) {
        const json & m = (*messages)[i];
        if (!m.is_object()) throw bad_request("messages[" + std::to_string(i) + "] must be an object, got " + type_name(m));
        const json * role = field(m, "role");
        if (!role || !role->is_string()) throw bad_request("messages[" + std::to_string(i) + "].role must be a string");
        const json * content = field(m, "content");
        if (!content) throw bad_request("messages[" + std::to_string(i) + "].content is required");
        const std::string text = message_text(*content, i);
        if (role->get<std::string>() == "user") {
            question = text;
            found = true;
        }
    }
    if (!found) throw bad_request("messages has no user message (the last one is the question)");
    if (blank(question)) throw bad_request("the last user message is empty");
    return question;
}

}  // namespace

ChatRequest parse_chat_request(const std::string & body, const SamplingParams & defaults, int max_new_tokens) {
    const json j = parse_object(body);
    ChatRequest r;
    const json * model = field(j, "model");
    if (!model) throw bad_request("model is required (" + std::string(kRagModel) + " or " + kVanillaModel + ")");
    if (!model->is_string()) throw bad_request(std::string("model must be a string, got ") + type_name(*model));
    r.model = model->get<std::string>();
    if (r.model == kRagModel) r.mode = AnswerMode::Rag;
    else if (r.model == kVanillaModel) r.mode = AnswerMode::Vanilla;
    else throw ApiError(404, "invalid_request_error", "the model '" + r.model.substr(0, 80) + "' does not exist (" + kRagModel + " or " + kVanillaModel + ")", "model_not_found");
    r.question = last_user_message(j);
    r.params = parse_sampling(j, defaults, max_new_tokens);
    if (const json * v = field(j, "stream")) {
        if (!v->is_boolean()) throw bad_request(std::string("stream must be a boolean, got ") + type_name(*v));
        r.stream = v->get<bool>();
    }
    return r;
}

QueryRequest parse_query_request(const std::string & body, const SamplingParams & defaults, int max_new_tokens) {
    const json j = parse_object(body);
    QueryRequest r;
    const json * q = field(j, "question");
    if (!q) throw bad_request("question is required");
    if (!q->is_string()) throw bad_request(std::string("question must be a string, got ") + type_name(*q));
    r.question = q->get<std::string>();
    if (blank(r.question)) throw bad_request("the question is empty");
    r.params = parse_sampling(j, defaults, max_new_tokens);
    return r;
}

EmbeddingsRequest parse_embeddings_request(const std::string & body, size_t max_inputs) {
    const json j = parse_object(body);
    EmbeddingsRequest r;
    if (const json * model = field(j, "model")) {
        if (!model->is_string()) throw bad_request(std::string("model must be a string, got ") + type_name(*model));
        if (model->get<std::string>() != kEmbedModel) {
            throw ApiError(404, "invalid_request_error",
                           "the model '" + model->get<std::string>().substr(0, 80) + "' does not exist (" + kEmbedModel + ")",
                           "model_not_found");
        }
    }
    const json * input = field(j, "input");
    if (!input) throw bad_request("input is required");
    if (input->is_string()) {
        r.inputs.push_back(input->get<std::string>());
    } else if (input->is_array()) {
        for (const auto & s : *input) {
            if (!s.is_string()) throw bad_request(std::string("input must be a string or a list of strings, got a list holding ") + type_name(s));
            r.inputs.push_back(s.get<std::string>());
        }
    } else {
        throw bad_request(std::string("input must be a string or a list of strings, got ") + type_name(*input));
    }
    if (r.inputs.empty()) throw bad_request("input is empty");
    if (r.inputs.size() > max_inputs) {
        throw bad_request("input holds " + std::to_string(r.inputs.size()) + " texts, at most " + std::to_string(max_inputs));
    }
    for (const auto & s : r.inputs) {
        if (s.empty()) throw bad_request("input must not hold empty strings");
    }
    if (const json * mode = field(j, "mode")) {
        if (!mode->is_string() || (*mode != "query" && *mode != "document")) throw bad_request("mode must be \"query\" or \"document\"");
        r.query = *mode == "query";
    }
    if (const json * f = field(j, "encoding_format")) {
        if (!f->is_string() || (*f != "float" && *f != "base64")) throw bad_request("encoding_format must be \"float\" or \"base64\"");
        r.base64 = *f == "base64";
    }
    return r;
}

}  // namespace ragppo::serve
