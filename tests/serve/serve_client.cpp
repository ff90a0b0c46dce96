#include "serve/serve_client.h"

#include <gtest/gtest.h>

#include <thread>

namespace ragppo::test {

using nlohmann::json;

std::unique_ptr<httplib::Client> client(const ServeProcess & s) {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", s.port());
    c->set_read_timeout(300, 0);
    c->set_write_timeout(30, 0);
    return c;
}

json chat_body(const std::string & model, const std::string & question, int max_tokens, bool stream) {
    return {{"model", model}, {"messages", {{{"role", "system"}, {"content", "You are a cook."}}, {{"role", "user"}, {"content", question}}}},
            {"max_tokens", max_tokens}, {"temperature", 0}, {"stream", stream}};
}

void expect_serving(httplib::Client & c, const std::string & after) {
    auto r = c.Post("/v1/chat/completions", chat_body("ragppo-vanilla", "Name one fruit.", 2).dump(), "application/json");
    ASSERT_TRUE(r) << "after " << after << ": " << httplib::to_string(r.error());
    EXPECT_EQ(r->status, 200) << "after " << after << ": " << r->body;
    EXPECT_EQ(json::parse(r->body)["object"], "chat.completion") << "after " << after;
}

void wait_until(const std::function<bool()> & done, std::chrono::milliseconds timeout, std::chrono::milliseconds step) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (!done() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(step);
}

}  // namespace ragppo::test
