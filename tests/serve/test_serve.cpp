// `ragppo serve` as its clients meet it, on 127.0.0.1 with the small default models:
// every route in OpenAI's schema, SSE order, bad requests (and serving on after each),
// the API key, CORS, a full queue (503) and a client that leaves mid-stream.
#include "serve/raw_connection.h"
#include "serve/serve_client.h"
#include "serve/serve_process.h"
#include "support/paths.h"
#include "support/process.h"

#include <cpp-httplib/httplib.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <tuple>
#include <chrono>
#include <cmath>
#include <thread>

using nlohmann::json;
using ragppo::test::ServeProcess;
using ragppo::test::chat_body;
using ragppo::test::client;
using ragppo::test::expect_serving;
using ragppo::test::run_command;
using ragppo::test::wait_until;
using namespace std::chrono_literals;

namespace {

// The data lines of an SSE body, in order.
std::vector<std::string> sse_data(const std::string & body) {
    std::vector<std::string> out;
    size_t at = 0;
    while ((at = body.find("data: ", at)) != std::string::npos) {
        const size_t end = body.find("\n\n", at);
        out.push_back(body.substr(at + 6, end - at - 6));
        at = end;
    }
    return out;
}

class ServeTest : public ::testing::Test {
protected:
    static std::string index_dir() {
        return ragppo::test::build_small_index(ragppo::test::make_temp_dir("ragppo_serve_"), 10);
    }
};

}  // namespace

TEST(ServeStartup, ANonLoopbackHostWithoutAKeyIsRefusedInOneLine) {
    const auto r = run_command(ragppo::test::ragppo_cmd("serve --offline -i /nonexistent/idx --host 0.0.0.0"));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find("ragppo: error: --host 0.0.0.0 is reachable from other machines: give --api-key"), std::string::npos) << r.err;
    // With a key the host check passes, and the next error is the missing index.
    const auto keyed = run_command(ragppo::test::ragppo_cmd("serve --offline -i /nonexistent/idx --host 0.0.0.0 --api-key k"));
    EXPECT_EQ(keyed.exit_code, 1);
    EXPECT_EQ(keyed.err.find("reachable from other machines"), std::string::npos) << keyed.err;
    EXPECT_NE(run_command(ragppo::test::ragppo_cmd("serve -i x --port 70000")).err.find("--port must be between 0 and 65535"),
              std::string::npos);
}

// A second server on a port in use must fail, not listen beside the first and take half its
// connections (SO_REUSEPORT); a restart on the same port must still bind while the old
// server's closed connections wait in TIME_WAIT.
TEST_F(ServeTest, APortInUseIsRefusedAndARestartedServerRebindsItsPort) {
    const std::string idx = ragppo::test::shell_quote(index_dir());
    int port = 0;
    {
        ServeProcess first("-t 1 -k 1 -i " + idx);
        port = first.port();
        // Under `timeout`: the old server listened beside the first and never returned.
        const auto second = run_command("OMP_NUM_THREADS=1 timeout 60 " + ragppo::test::bin("ragppo") +
                                        " serve --offline -t 1 -k 1 --port " + std::to_string(port) + " -i " + idx);
        EXPECT_EQ(second.exit_code, 1) << second.err;
        EXPECT_NE(second.err.find("ragppo: error: cannot listen on 127.0.0.1:" + std::to_string(port) + " (in use"), std::string::npos) << second.err;
        // Connections the server closes first leave TIME_WAIT entries on its port.
        for (int i = 0; i < 3; ++i) {
            httplib::Client c(first.base_url());
            c.set_keep_alive(false);
            const auto r = c.Get("/health", httplib::Headers{{"Connection", "close"}});
            ASSERT_TRUE(r);
            EXPECT_EQ(r->status, 200);
        }
        EXPECT_EQ(first.stop(), 0);
    }
    ServeProcess again("-t 1 -k 1 --port " + std::to_string(port) + " -i " + idx);
    EXPECT_EQ(again.port(), port);
    expect_serving(*client(again), "a restart on the same port");
}

// The slots are sequences of one context, which has the threads of -t: never -t per slot.
TEST_F(ServeTest, SlotsAreSequencesOfOneContextWithTheThreadsOfDashT) {
    ServeProcess two("-t 2 -k 1 --parallel 2 -i " + ragppo::test::shell_quote(index_dir()));
    EXPECT_NE(two.log().find("(2 slot(s) batched in one context of 2 thread(s),"), std::string::npos) << two.log();
    ServeProcess one("-t 1 -k 1 -i " + ragppo::test::shell_quote(index_dir()));
    EXPECT_NE(one.log().find("(1 slot(s) batched in one context of 1 thread(s),"), std::string::npos) << one.log();
}

TEST_F(ServeTest, EveryRouteAnswersInItsSchema) {
    ServeProcess s("-t 2 -k 1 -i " + ragppo::test::shell_quote(index_dir()));
    auto c = client(s);

    auto health = c->Get("/health");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    EXPECT_EQ(json::parse(health->body)["status"], "ok");
    EXPECT_EQ(json::parse(health->body)["index_nodes"], 10);
    EXPECT_FALSE(health->has_header("Access-Control-Allow-Origin"));  // CORS is off by default

    auto models = c->Get("/v1/models");
    ASSERT_TRUE(models);
    std::vector<std::string> ids;
    const json model_list = json::parse(models->body);
    for (const auto & m : model_list["data"]) ids.push_back(m["id"]);
    EXPECT_EQ(ids, (std::vector<std::string>{"ragppo-rag", "ragppo-vanilla", "ragppo-embed"}));

    // RAG: the answer, one source (-k 1) from the index, token counts that add up.
    auto rag = c->Post("/v1/chat/completions", chat_body("ragppo-rag", "How do I make salmon crepes?", 8).dump(), "application/json");
    ASSERT_TRUE(rag);
    ASSERT_EQ(rag->status, 200) << rag->body;
    const json rj = json::parse(rag->body);
    EXPECT_EQ(rj["object"], "chat.completion");
    EXPECT_EQ(rj["choices"][0]["message"]["role"], "assistant");
    EXPECT_FALSE(rj["choices"][0]["message"]["content"].get<std::string>().empty());
    EXPECT_EQ(rj["usage"]["total_tokens"], rj["usage"]["prompt_tokens"].get<int>() + rj["usage"]["completion_tokens"].get<int>());
    EXPECT_LE(rj["usage"]["completion_tokens"].get<int>(), 8 * rj["ragppo"]["llm_calls"].get<int>());
    ASSERT_EQ(rj["ragppo"]["sources"].size(), 1u) << rj.dump();
    const json src = rj["ragppo"]["sources"][0];
    EXPECT_EQ(src["name"], "salmon crepes with creamy sage pesto");
    EXPECT_EQ(src["node_id"].get<std::string>().size(), 32u);
    EXPECT_GT(src["score"].get<double>(), 0.3);
    EXPECT_LE(src["score"].get<double>(), 1.0);
    EXPECT_EQ(src["text"].get<std::string>().rfind("salmon crepes", 0), 0u);
    // The prompt held the retrieved recipe: far more tokens than the bare question.
    EXPECT_GT(rj["usage"]["prompt_tokens"].get<int>(), 200);

    // Vanilla, greedy: the non-streamed and streamed answers are the same text.
    const std::string q = "How do I boil an egg?";
    auto plain = c->Post("/v1/chat/completions", chat_body("ragppo-vanilla", q, 12).dump(), "application/json");
    ASSERT_TRUE(plain);
    ASSERT_EQ(plain->status, 200) << plain->body;
    const json pj = json::parse(plain->body);
    EXPECT_FALSE(pj["ragppo"].contains("sources"));
    EXPECT_LT(pj["usage"]["prompt_tokens"].get<int>(), 100);
    const std::string plain_text = pj["choices"][0]["message"]["content"];

    auto streamed = c->Post("/v1/chat/completions", chat_body("ragppo-vanilla", q, 12, true).dump(), "application/json");
    ASSERT_TRUE(streamed);
    ASSERT_EQ(streamed->status, 200) << streamed->body;
    EXPECT_EQ(streamed->get_header_value("Content-Type"), "text/event-stream");
    const auto events = sse_data(streamed->body);
    ASSERT_GE(events.size(), 4u) << streamed->body;
    EXPECT_EQ(events.back(), "[DONE]");
    const json first = json::parse(events.front());
    EXPECT_EQ(first["object"], "chat.completion.chunk");
    EXPECT_EQ(first["choices"][0]["delta"]["role"], "assistant");
    const json last = json::parse(events[events.size() - 2]);
    EXPECT_EQ(last["choices"][0]["finish_reason"], pj["choices"][0]["finish_reason"]);
    // One slot: the same question again reuses all the cells of its prompt but the last,
    // and the egg question before it reused the chat template's head the RAG prompt left.
    json streamed_usage = last["usage"], plain_usage = pj["usage"];
    EXPECT_EQ(streamed_usage["prompt_tokens_details"]["cached_tokens"], pj["usage"]["prompt_tokens"].get<int>() - 1) << streamed_usage;
    EXPECT_GT(plain_usage["prompt_tokens_details"]["cached_tokens"].get<int>(), 0) << plain_usage;
    EXPECT_LT(plain_usage["prompt_tokens_details"]["cached_tokens"].get<int>(), plain_usage["prompt_tokens"].get<int>() - 1);
    streamed_usage.erase("prompt_tokens_details");
    plain_usage.erase("prompt_tokens_details");
    EXPECT_EQ(streamed_usage, plain_usage);
    std::string joined;
    for (size_t i = 1; i + 2 < events.size(); ++i) {
        const json e = json::parse(events[i]);
        EXPECT_EQ(e["id"], first["id"]);
        EXPECT_TRUE(e["choices"][0]["finish_reason"].is_null());
        joined += e["choices"][0]["delta"]["content"].get<std::string>();
    }
    EXPECT_EQ(joined, plain_text);

    // A streamed RAG answer sends its sources in the first chunk, before any text.
    auto rag_stream = c->Post("/v1/chat/completions", chat_body("ragppo-rag", "How do I make salmon crepes?", 4, true).dump(), "application/json");
    ASSERT_TRUE(rag_stream);
    const auto rag_events = sse_data(rag_stream->body);
    ASSERT_GE(rag_events.size(), 3u);
    EXPECT_EQ(json::parse(rag_events.front())["ragppo"]["sources"][0]["name"], "salmon crepes with creamy sage pesto");
    EXPECT_EQ(rag_events.back(), "[DONE]");

    // A stop sequence cuts the text before it, and the finish reason says so.
    const size_t cut = plain_text.find(' ', 3);
    ASSERT_NE(cut, std::string::npos) << plain_text;
    json stop_body = chat_body("ragppo-vanilla", q, 12);
    stop_body["stop"] = {plain_text.substr(cut, 3)};
    auto stopped = c->Post("/v1/chat/completions", stop_body.dump(), "application/json");
    ASSERT_TRUE(stopped);
    const json sj = json::parse(stopped->body);
    EXPECT_EQ(sj["choices"][0]["message"]["content"], plain_text.substr(0, plain_text.find(plain_text.substr(cut, 3))));
    EXPECT_EQ(sj["choices"][0]["finish_reason"], "stop");
    // Decoding stopped there too: fewer tokens than the unstopped answer of the same question.
    EXPECT_LT(sj["usage"]["completion_tokens"].get<int>(), pj["usage"]["completion_tokens"].get<int>()) << sj.dump();

    // Embeddings: one unit vector of 384 floats per input.
    auto emb = c->Post("/v1/embeddings", json{{"model", "ragppo-embed"}, {"input", {"boil the pasta", "chop the onions"}}}.dump(), "application/json");
    ASSERT_TRUE(emb);
    ASSERT_EQ(emb->status, 200) << emb->body;
    const json ej = json::parse(emb->body);
    ASSERT_EQ(ej["data"].size(), 2u);
    for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(ej["data"][i]["index"], i);
        const auto v = ej["data"][i]["embedding"].get<std::vector<double>>();
        ASSERT_EQ(v.size(), 384u);
        double norm = 0;
        for (double x : v) norm += x * x;
        EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-3);
    }
    EXPECT_NE(ej["data"][0]["embedding"], ej["data"][1]["embedding"]);
    EXPECT_GT(ej["usage"]["prompt_tokens"].get<int>(), 4);
    auto one = c->Post("/v1/embeddings", json{{"input", "boil the pasta"}}.dump(), "application/json");
    ASSERT_TRUE(one);
    ASSERT_EQ(json::parse(one->body)["data"].size(), 1u);
    const auto a = json::parse(one->body)["data"][0]["embedding"].get<std::vector<double>>();
    const auto b = ej["data"][0]["embedding"].get<std::vector<double>>();
    for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], 1e-5);

    // The native query: both answers, the sources, counts and timings.
    auto query = c->Post("/v1/query", json{{"question", "How do I make salmon crepes?"}, {"max_tokens", 4}, {"temperature", 0}}.dump(), "application/json");
    ASSERT_TRUE(query);
    ASSERT_EQ(query->status, 200) << query->body;
    const json qj = json::parse(query->body);
    EXPECT_EQ(qj["rag"]["sources"][0]["name"], "salmon crepes with creamy sage pesto");
    EXPECT_FALSE(qj["vanilla"].contains("sources"));
    for (const char * mode : {"rag", "vanilla"}) {
        EXPECT_FALSE(qj[mode]["answer"].get<std::string>().empty()) << mode;
        EXPECT_GE(qj[mode]["llm_calls"].get<int>(), 1) << mode;
        EXPECT_GT(qj[mode]["prompt_tokens"].get<int>(), 0) << mode;
        EXPECT_GT(qj[mode]["total_ms"].get<double>(), 0) << mode;
    }
    EXPECT_GT(qj["rag"]["prompt_tokens"].get<int>(), qj["vanilla"]["prompt_tokens"].get<int>());

    // /metrics counts what happened above.
    auto metrics = c->Get("/metrics");
    ASSERT_TRUE(metrics);
    const std::string m = metrics->body;
    EXPECT_NE(m.find("ragppo_requests_total{route=\"/v1/chat/completions\",status=\"200\"} 5"), std::string::npos) << m;
    EXPECT_NE(m.find("ragppo_requests_total{route=\"/v1/embeddings\",status=\"200\"} 2"), std::string::npos) << m;
    EXPECT_NE(m.find("ragppo_time_to_first_token_seconds_count 7"), std::string::npos) << m;  // 5 chats + 2 in the query
    EXPECT_NE(m.find("ragppo_request_duration_seconds_bucket{le=\"+Inf\"} 7"), std::string::npos) << m;
    EXPECT_NE(m.find("ragppo_queue_depth 0"), std::string::npos) << m;
    EXPECT_NE(m.find("ragppo_slots 1"), std::string::npos) << m;
    EXPECT_NE(m.find("ragppo_completion_tokens_total{model=\"ragppo-vanilla\"}"), std::string::npos) << m;

    auto page = c->Get("/");
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 200);
    EXPECT_NE(page->body.find("<html"), std::string::npos);
    EXPECT_NE(page->body.find("/v1/chat/completions"), std::string::npos);  // it calls the API it is served with
    EXPECT_EQ(page->body.find("https://"), std::string::npos);                // and nothing outside it (no CDN)

    EXPECT_EQ(s.stop(), 0) << s.log();  // SIGTERM is a clean stop
}

TEST_F(ServeTest, BadRequestsGetOpenAIErrorsAndTheServerGoesOn) {
    ServeProcess s("-t 2 -k 1 --max-body-bytes 65536 -i " + ragppo::test::shell_quote(index_dir()));
    auto c = client(s);
    const json user = {{{"role", "user"}, {"content", "hi"}}};
    struct Case {
        std::string body;
        int status;
        std::string message;
    };
    const std::vector<Case> cases{
        {"{\"model\": \"ragppo-rag\", ", 400, "the request body is not valid JSON"},
        {"[1, 2]", 400, "the request body must be a JSON object, got array"},
        {json{{"messages", user}}.dump(), 400, "model is required"},
        {json{{"model", 7}, {"messages", user}}.dump(), 400, "model must be a string, got number"},
        {json{{"model", "gpt-4"}, {"messages", user}}.dump(), 404, "the model 'gpt-4' does not exist"},
        {json{{"model", "ragppo-rag"}, {"messages", json::array()}}.dump(), 400, "messages is empty"},
        {json{{"model", "ragppo-rag"}, {"messages", "hi"}}.dump(), 400, "messages must be a list, got string"},
        {json{{"model", "ragppo-rag"}, {"messages", {{{"role", "user"}, {"content", "   "}}}}}.dump(), 400, "the last user message is empty"},
        {json{{"model", "ragppo-rag"}, {"messages", {{{"role", "system"}, {"content", "x"}}}}}.dump(), 400, "messages has no user message"},
        {json{{"model", "ragppo-rag"}, {"messages", user}, {"temperature", "hot"}}.dump(), 400, "temperature must be a number, got string"},
        {json{{"model", "ragppo-rag"}, {"messages", user}, {"top_p", 0}}.dump(), 400, "top_p must be in (0, 1]"},
        {json{{"model", "ragppo-rag"}, {"messages", user}, {"max_tokens", 1.5}}.dump(), 400, "max_tokens must be a whole number"},
        {json{{"model", "ragppo-rag"}, {"messages", user}, {"presence_penalty", 3}}.dump(), 400, "presence_penalty must be in [-2, 2]"},
        {json{{"model", "ragppo-rag"}, {"messages", user}, {"frequency_penalty", "x"}}.dump(), 400, "frequency_penalty must be a number"},
        {json{{"model", "ragppo-rag"}, {"messages", user}, {"repeat_penalty", 0}}.dump(), 400, "repeat_penalty must be in (0, 10]"},
        {json{{"model", "ragppo-rag"}, {"messages", user}, {"min_p", -0.1}}.dump(), 400, "min_p must be in [0, 1]"},
        {json{{"model", "ragppo-rag"}, {"messages", user}, {"repeat_last_n", -1}}.dump(), 400, "repeat_last_n must be between 0 and 1024"},
        {json{{"model", "ragppo-rag"}, {"messages", user}, {"max_tokens", 5000}}.dump(), 400, "max_tokens must be between 1 and 1024"},
        {json{{"model", "ragppo-rag"}, {"messages", user}, {"stream", "yes"}}.dump(), 400, "stream must be a boolean"},
        {json{{"model", "ragppo-rag"}, {"messages", user}, {"stop", 3}}.dump(), 400, "stop must be a string or a list of strings"},
        // The prompt plus the new tokens cannot fit the context window: refused before any text.
        {json{{"model", "ragppo-vanilla"}, {"messages", user}, {"max_tokens", 1024}}.dump(), 400, "exceeds the context window of 1024 tokens"},
        {json{{"model", "ragppo-vanilla"}, {"messages", user}, {"max_tokens", 1024}, {"stream", true}}.dump(), 400, "exceeds the context window"},
        // Over the 64 KiB body limit.
        {json{{"model", "ragppo-rag"}, {"messages", {{{"role", "user"}, {"content", std::string(100000, 'a')}}}}}.dump(), 413,
         "the request body is larger than the limit of 65536 bytes"},
    };
    for (const auto & k : cases) {
        auto r = c->Post("/v1/chat/completions", k.body, "application/json");
        ASSERT_TRUE(r) << k.message << ": " << httplib::to_string(r.error());
        EXPECT_EQ(r->status, k.status) << k.message << ": " << r->body;
        const json e = json::parse(r->body);
        EXPECT_NE(e["error"]["message"].get<std::string>().find(k.message), std::string::npos) << r->body;
        EXPECT_TRUE(e["error"]["type"].is_string()) << r->body;
        expect_serving(*c, k.message);
    }
    for (const auto & [path, body, message] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {"/v1/embeddings", "{\"input\": 3}", "input must be a string or a list of strings, got number"},
             {"/v1/embeddings", "{\"input\": [\"a\", 1]}", "got a list holding number"},
             {"/v1/embeddings", "{\"input\": []}", "input is empty"},
             {"/v1/query", "{\"question\": \"\"}", "the question is empty"},
             {"/v1/query", "{}", "question is required"}}) {
        auto r = c->Post(path, body, "application/json");
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 400) << r->body;
        EXPECT_NE(json::parse(r->body)["error"]["message"].get<std::string>().find(message), std::string::npos) << r->body;
    }
    auto missing = c->Get("/v1/nothing");
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 404);
    EXPECT_EQ(json::parse(missing->body)["error"]["message"], "no route GET /v1/nothing");
    expect_serving(*c, "an unknown route");

    // One log line per bad request, with its status and message.
    const std::string log = s.log();
    EXPECT_NE(log.find("POST /v1/chat/completions 404 the model 'gpt-4' does not exist"), std::string::npos) << log;
    EXPECT_NE(log.find("POST /v1/chat/completions 413 the request body is larger"), std::string::npos) << log;
    EXPECT_EQ(s.stop(), 0) << log;
}

TEST_F(ServeTest, TheApiKeyGuardsTheApiAndTheOpenAIPackageWorks) {
    ServeProcess s("-t 2 -k 1 --api-key sekrit --cors http://example.test -i " + ragppo::test::shell_quote(index_dir()));
    auto c = client(s);
    const std::string body = chat_body("ragppo-vanilla", "Name one fruit.", 2).dump();
    for (const std::string & auth : {std::string(""), std::string("Bearer wrong"), std::string("sekrit"), std::string("Bearer sekrit2")}) {
        httplib::Headers h;
        if (!auth.empty()) h.emplace("Authorization", auth);
        auto r = c->Post("/v1/chat/completions", h, body, "application/json");
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 401) << auth;
        EXPECT_EQ(json::parse(r->body)["error"]["type"], "authentication_error") << r->body;
    }
    auto metrics = c->Get("/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_EQ(metrics->status, 401);
    auto health = c->Get("/health");  // liveness needs no key
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    EXPECT_EQ(health->get_header_value("Access-Control-Allow-Origin"), "http://example.test");
    auto ok = c->Post("/v1/chat/completions", httplib::Headers{{"Authorization", "Bearer sekrit"}}, body, "application/json");
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 200) << ok->body;

    // The openai package: chat with and without streaming, embeddings, a wrong key.
    const auto r = run_command(ragppo::test::python() + " " + ragppo::test::source("tests/serve/openai_client_check.py") + " " +
                               s.base_url() + "/v1 sekrit");
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("openai client: ok"), std::string::npos) << r.out << r.err;
    EXPECT_EQ(s.stop(), 0) << s.log();
}

TEST_F(ServeTest, AFullQueueGets503AndAClientThatLeavesFreesItsSlot) {
    // Without the embedded model's repetition penalty, "count to 500" runs long.
    ServeProcess s("-t 2 -k 1 --parallel 1 --queue-size 1 --repeat-penalty 1 -i " + ragppo::test::shell_quote(index_dir()));
    auto health = [&s] { return json::parse(client(s)->Get("/health")->body); };

    // A: a long streamed answer that holds the one slot; it leaves after its first text.
    std::atomic<bool> a_got_text{false};
    std::atomic<bool> a_leave{false};
    std::thread a([&] {
        auto c = client(s);
        c->Post("/v1/chat/completions", {}, chat_body("ragppo-vanilla", "Count from 1 to 500, one number per line.", 600, true).dump(),
                "application/json", [&](const char *, size_t) {
                    a_got_text = true;
                    return !a_leave.load();  // false: hang up mid-stream
                });
    });
    while (!a_got_text) std::this_thread::sleep_for(20ms);
    EXPECT_EQ(health()["slots_busy"], 1);

    // B waits in the queue (its one place), C finds it full.
    std::atomic<int> b_status{0};
    std::thread b([&] {
        auto r = client(s)->Post("/v1/chat/completions", chat_body("ragppo-vanilla", "Name one fruit.", 2).dump(), "application/json");
        b_status = r ? r->status : -1;
    });
    wait_until([&] { return health()["queue_depth"] == 1; }, 4s);
    ASSERT_EQ(health()["queue_depth"], 1);
    auto full = client(s)->Post("/v1/chat/completions", chat_body("ragppo-vanilla", "Name one fruit.", 2).dump(), "application/json");
    ASSERT_TRUE(full);
    EXPECT_EQ(full->status, 503) << full->body;
    EXPECT_EQ(full->get_header_value("Retry-After"), "1");
    EXPECT_EQ(json::parse(full->body)["error"]["type"], "overloaded_error");

    // A hangs up: its generation stops at the next token and B gets the slot at once,
    // long before A's 600 tokens could have been generated.
    const auto t0 = std::chrono::steady_clock::now();
    a_leave = true;
    a.join();
    b.join();
    EXPECT_EQ(b_status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 20s);
    wait_until([&] { return s.log().find("client disconnected; its slot is free") != std::string::npos; }, 5s, 50ms);
    EXPECT_NE(s.log().find("client disconnected; its slot is free"), std::string::npos) << s.log();
    // B's answer is sent from inside its job; the worker marks the slot free when the
    // job returns, a moment later (under the sanitizers, milliseconds later; CI once read 1).
    wait_until([&] { return health()["slots_busy"] == 0; }, 5s);
    const json after = health();
    EXPECT_EQ(after["slots_busy"], 0);
    EXPECT_EQ(after["queue_depth"], 0);
    expect_serving(*client(s), "a full queue");
    EXPECT_EQ(s.stop(), 0) << s.log();
}

// A client that hangs up on a non-streamed answer frees its slot too: the handler
// notices the closed connection while it waits, and generation stops at the next token.
TEST_F(ServeTest, AClientThatHangsUpOnANonStreamedAnswerFreesItsSlot) {
    ServeProcess s("-t 2 -k 1 --parallel 1 --repeat-penalty 1 -i " + ragppo::test::shell_quote(index_dir()));
    auto health = [&s] { return json::parse(client(s)->Get("/health")->body); };
    json request = chat_body("ragppo-vanilla", "List the numbers from 1 to 300, one per line: 1, 2, 3, 4, 5,", 600);
    request["temperature"] = 0;  // greedy: counts on for all 600 tokens (about 4 s here)
    const std::string body = request.dump();
    {
        ragppo::test::RawConnection raw(s.port());
        ASSERT_TRUE(raw.connected());
        raw.send_until_answered("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
        wait_until([&] { return health()["slots_busy"] == 1; }, 4s);
        ASSERT_EQ(health()["slots_busy"], 1);
        std::this_thread::sleep_for(300ms);  // a few tokens in
    }  // hang up, long before 600 tokens
    const auto t0 = std::chrono::steady_clock::now();
    wait_until([&] { return health()["slots_busy"] == 0; }, 10s);
    EXPECT_EQ(health()["slots_busy"], 0);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s) << "the slot stayed busy after the client left";
    wait_until([&] { return s.log().find("client disconnected; its slot is free") != std::string::npos; }, 5s, 50ms);
    EXPECT_NE(s.log().find("client disconnected; its slot is free"), std::string::npos) << s.log();
    expect_serving(*client(s), "a client that hung up on a non-streamed answer");
    EXPECT_EQ(s.stop(), 0) << s.log();
}

// Concurrent /v1/embeddings requests are embedded together (one embedder call for the
// requests that queued behind a running one), and each still gets exactly its rows.
TEST_F(ServeTest, ConcurrentEmbeddingRequestsShareEmbedderCalls) {
    ServeProcess s("-t 2 -k 1 -i " + ragppo::test::shell_quote(index_dir()));
    constexpr int kClients = 8;
    constexpr int kTexts = 48;
    auto texts_of = [](int client) {
        std::vector<std::string> t;
        for (int i = 0; i < kTexts; ++i)
            t.push_back("client " + std::to_string(client) + " recipe " + std::to_string(i) + ": simmer the tomatoes with basil");
        return t;
    };
    auto embed = [&s](const std::vector<std::string> & texts) {
        auto r = client(s)->Post("/v1/embeddings", json{{"input", texts}}.dump(), "application/json");
        EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no response");
        std::vector<std::vector<float>> rows;
        if (!r || r->status != 200) return rows;
        const json body = json::parse(r->body);  // kept: a range-for over a temporary's member dangles
        for (const auto & d : body["data"]) rows.push_back(d["embedding"].get<std::vector<float>>());
        return rows;
    };
    std::vector<std::vector<std::vector<float>>> together(kClients);
    std::vector<std::thread> threads;
    for (int c = 0; c < kClients; ++c) threads.emplace_back([&, c] { together[c] = embed(texts_of(c)); });
    for (auto & t : threads) t.join();

    for (int c = 0; c < kClients; ++c) {  // alone, one after another
        const auto alone = embed(texts_of(c));
        ASSERT_EQ(together[c].size(), static_cast<size_t>(kTexts)) << "client " << c;
        ASSERT_EQ(alone.size(), static_cast<size_t>(kTexts));
        float max_diff = 0;
        for (int i = 0; i < kTexts; ++i)
            for (size_t k = 0; k < alone[i].size(); ++k) max_diff = std::max(max_diff, std::abs(alone[i][k] - together[c][i][k]));
        EXPECT_LT(max_diff, 1e-5f) << "client " << c << ": rows differ from the same texts embedded alone";
    }
    const std::string m = client(s)->Get("/metrics")->body;
    auto counter = [&m](const std::string & name) {
        const size_t at = m.find("\n" + name + " ");
        return at == std::string::npos ? -1.0 : std::stod(m.substr(at + name.size() + 2));
    };
    EXPECT_EQ(counter("ragppo_embedding_requests_total"), 2.0 * kClients) << m;
    // The 8 sequential requests take 8 calls; the 8 concurrent ones far fewer than 8.
    const double batches = counter("ragppo_embedding_batches_total");
    EXPECT_GE(batches, kClients + 1.0) << m;
    EXPECT_LE(batches, kClients + 4.0) << m;
    EXPECT_EQ(s.stop(), 0) << s.log();
}
