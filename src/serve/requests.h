// The request bodies the server accepts, parsed and checked: a wrong type, a value
// out of range or a missing field is an ApiError naming the field (400), an unknown
// model a 404, so nothing unchecked reaches the library.
#pragma once

#include "ragppo.h"

#include <string>
#include <vector>

namespace ragppo::serve {

// Model names the server answers to (GET /v1/models lists them).
inline constexpr const char * kRagModel = "ragppo-rag";
inline constexpr const char * kVanillaModel = "ragppo-vanilla";
inline constexpr const char * kEmbedModel = "ragppo-embed";

enum class AnswerMode { Rag, Vanilla };

// Sampling for one request: the server's defaults, overridden by the body's fields.
struct RequestSampling {
    SamplingParams sampling;
    std::vector<std::string> stop;  // up to 4 stop sequences, as OpenAI allows
};

struct ChatRequest {
    std::string model;
    AnswerMode mode = AnswerMode::Rag;
    std::string question;  // the last user message
    RequestSampling params;
    bool stream = false;
};

struct QueryRequest {
    std::string question;
    RequestSampling params;
};

struct EmbeddingsRequest {
    std::vector<std::string> inputs;
    bool query = false;   // "mode": "query" prefixes the index's query instruction
    bool base64 = false;  // "encoding_format": "base64" (the openai package asks for it)
};

// `max_new_tokens` bounds max_tokens (the context window: more can never fit).
ChatRequest parse_chat_request(const std::string & body, const SamplingParams & defaults, int max_new_tokens);
QueryRequest parse_query_request(const std::string & body, const SamplingParams & defaults, int max_new_tokens);
EmbeddingsRequest parse_embeddings_request(const std::string & body, size_t max_inputs);

}  // namespace ragppo::serve
