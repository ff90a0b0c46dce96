// What the server tests send as clients: an httplib client with the tests' timeouts,
// a chat request body, and the check that the server still answers a normal request.
#pragma once

#include "serve/serve_process.h"

#include <cpp-httplib/httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace ragppo::test {

// Generous read timeout: one slot answers one request at a time on a loaded machine.
std::unique_ptr<httplib::Client> client(const ServeProcess & s);

nlohmann::json chat_body(const std::string & model, const std::string & question, int max_tokens, bool stream = false);

// One short answer that must succeed: the server is still serving. (gtest assertions.)
void expect_serving(httplib::Client & c, const std::string & after);

// Checks `done` every `step` until it holds or `timeout` has passed: for server state that
// changes a moment after the event a client sees (a slot freed after its answer was sent).
void wait_until(const std::function<bool()> & done, std::chrono::milliseconds timeout,
                std::chrono::milliseconds step = std::chrono::milliseconds(20));

}  // namespace ragppo::test
