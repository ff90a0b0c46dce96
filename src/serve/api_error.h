// Errors a request can earn, in OpenAI's shape: {"error": {"message", "type"}} with
// an HTTP status. Handlers throw ApiError; one place turns it into the response and
// the one log line, so every bad request ends the same way and the server goes on.
#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

namespace ragppo::serve {

struct ApiError : std::runtime_error {
    ApiError(int status, std::string type, const std::string & message, std::string code = "")
        : std::runtime_error(message), status(status), type(std::move(type)), code(std::move(code)) {}
    int status;
    std::string type;  // invalid_request_error, authentication_error, server_error, ...
    std::string code;  // OpenAI's optional machine-readable code ("model_not_found"), or ""
};

inline ApiError bad_request(const std::string & message) { return {400, "invalid_request_error", message}; }

// The OpenAI error type a status gets when no handler chose one (httplib's own 404/413/400).
inline const char * error_type_for_status(int status) {
    switch (status) {
        case 401: return "authentication_error";
        case 404: return "not_found_error";
        case 413: return "request_too_large";
        case 503: return "overloaded_error";
        default: return status >= 500 ? "server_error" : "invalid_request_error";
    }
}

inline std::string error_body(const std::string & message, const std::string & type, const std::string & code = "") {
    nlohmann::json e{{"message", message}, {"type", type}};
    e["code"] = code.empty() ? nlohmann::json(nullptr) : nlohmann::json(code);
    return nlohmann::json{{"error", e}}.dump();
}

}  // namespace ragppo::serve
