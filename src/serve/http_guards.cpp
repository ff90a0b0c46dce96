// Guards around every route: a Bearer key, CORS only when asked, OpenAI-style error
// bodies, one log line per request and the request counters.
#include "api_error.h"
#include "deadline_server.h"
#include "routes.h"

#include <cstdio>

namespace ragppo::serve {

namespace {

// Metric labels: the known routes by name, anything else as "other" (no label explosion).
std::string route_label(const std::string & path) {
    for (const char * r : {"/", "/health", "/metrics", "/v1/models", "/v1/chat/completions", "/v1/embeddings", "/v1/query"}) {
        if (path == r) return path;
    }
    return "other";
}

bool needs_key(const std::string & path) { return path.rfind("/v1/", 0) == 0 || path == "/metrics"; }

// Compares in time independent of where the strings first differ.
bool same_secret(const std::string & a, const std::string & b) {
    if (a.size() != b.size() || b.empty()) return false;  // the length is no secret
    unsigned char diff = 0;
    for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

void set_error(httplib::Response & res, int status, const std::string & message, const std::string & type, const std::string & code = "") {
    res.status = status;
    res.set_content(error_body(message, type, code), "application/json");
    if (status == 503) res.set_header("Retry-After", "1");
}

std::string error_message(const httplib::Response & res) {
    try {
        return nlohmann::json::parse(res.body).at("error").at("message").get<std::string>();
    } catch (const std::exception &) {
        return "";
    }
}

// One line per answer: method, path, status and, for an error, its message; "-" for
// what a request cut off in its request line never said.
void log_answer(const std::string & method, const std::string & path, int status, const std::string & message) {
    if (status >= 400) {
        std::fprintf(stderr, "ragppo serve: %s %s %d %s\n", method.c_str(), path.substr(0, 200).c_str(), status, message.c_str());
    } else {
        std::fprintf(stderr, "ragppo serve: %s %s %d\n", method.c_str(), path.substr(0, 200).c_str(), status);
    }
}

}  // namespace

Handler guarded(Handler h) {
    return [h = std::move(h)](const httplib::Request & req, httplib::Response & res) {
        try {
            h(req, res);
        } catch (const ApiError & e) {
            set_error(res, e.status, e.what(), e.type, e.code);
        } catch (const Error & e) {
            set_error(res, 400, e.what(), "invalid_request_error");
        } catch (const std::exception & e) {
            set_error(res, 500, e.what(), "server_error");
        }
    };
}

void install_guards(DeadlineServer & svr, ServerState & st) {
    svr.set_pre_routing_handler([&st](const httplib::Request & req, httplib::Response & res) {
        const std::string & origin = st.config.cors_origin;
        if (!origin.empty()) {
            res.set_header("Access-Control-Allow-Origin", origin);
            res.set_header("Vary", "Origin");
            if (req.method == "OPTIONS") {
                res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
                res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
                res.set_header("Access-Control-Max-Age", "600");
                res.status = 204;
                return httplib::Server::HandlerResponse::Handled;
            }
        }
        if (!st.config.api_key.empty() && needs_key(req.path)) {
            const std::string auth = req.get_header_value("Authorization");
            const std::string bearer = "Bearer ";
            if (auth.rfind(bearer, 0) != 0 || !same_secret(auth.substr(bearer.size()), st.config.api_key)) {
                set_error(res, 401, auth.empty() ? "missing API key: send Authorization: Bearer <key>" : "invalid API key",
                          "authentication_error", "invalid_api_key");
                res.set_header("WWW-Authenticate", "Bearer");
                return httplib::Server::HandlerResponse::Handled;
            }
        }
        return httplib::Server::HandlerResponse::Unhandled;
    });

    // httplib's own errors (no route, body over the limit, a request it cannot parse)
    // come with no body: give them the same JSON shape as ours.
    svr.set_error_handler([&st, &svr](const httplib::Request & req, httplib::Response & res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        if (res.status == 400 && DeadlineServer::request_deadline_passed()) res.status = 408;  // httplib closes after any error
        std::string message;
        switch (res.status) {
            case 404: message = "no route " + req.method + " " + req.path.substr(0, 200); break;
            case 405: message = "method " + req.method + " is not allowed on " + req.path.substr(0, 200); break;
            case 408: message = svr.request_deadline_message(); break;
            case 413: message = "the request body is larger than the limit of " + std::to_string(st.config.max_body_bytes) + " bytes"; break;
            default: message = "bad request (HTTP " + std::to_string(res.status) + ")";
        }
        set_error(res, res.status, message, error_type_for_status(res.status));
        return httplib::Server::HandlerResponse::Handled;
    });

    svr.set_logger([&st](const httplib::Request & req, const httplib::Response & res) {
        st.metrics.count_request(route_label(req.path), res.status);
        log_answer(req.method, req.path, res.status, res.status >= 400 ? error_message(res) : "");
    });
    svr.set_request_line_timeout_observer([&st](const std::string & message) {
        st.metrics.count_request(route_label(""), 408);
        log_answer("-", "-", 408, message);
    });
}

}  // namespace ragppo::serve
