// The HTTP surface, installed on one httplib::Server. Each install_* adds one
// group of routes; guards (auth, CORS, errors, log, metrics) wrap them all.
#pragma once

#include "deadline_server.h"
#include "server_state.h"

#include <cpp-httplib/httplib.h>

#include <functional>
#include <string>

namespace ragppo::serve {

using Handler = std::function<void(const httplib::Request &, httplib::Response &)>;

// Turns an ApiError (or any exception) thrown by `h` into an OpenAI-style error response.
Handler guarded(Handler h);

// Auth (Bearer key on /v1/* and /metrics), CORS, the error body for httplib's own
// errors (404, 413, 400, 408), one log line per request, request counts for /metrics
// (also of the 408s the server writes itself, for a request line cut off).
void install_guards(DeadlineServer & svr, ServerState & st);
void install_info_routes(httplib::Server & svr, ServerState & st);       // /, /health, /v1/models, /metrics
void install_answer_routes(httplib::Server & svr, ServerState & st);     // /v1/chat/completions, /v1/query
void install_embeddings_route(httplib::Server & svr, ServerState & st);  // /v1/embeddings

}  // namespace ragppo::serve
