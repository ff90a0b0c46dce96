// `ragppo serve` against clients that misbehave on the wire: headers sent one byte a
// second (slowloris), a request that never ends, and a 10 MB body. None may stop the
// server answering others.
#include "serve/serve_client.h"
#include "serve/serve_process.h"
#include "serve/raw_connection.h"
#include "support/paths.h"
#include "support/process.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using nlohmann::json;
using ragppo::test::RawConnection;
using ragppo::test::ServeProcess;
using ragppo::test::client;
using ragppo::test::expect_serving;
using namespace std::chrono_literals;

namespace {

std::string small_index() { return ragppo::test::build_small_index(ragppo::test::make_temp_dir("ragppo_serve_abuse_"), 10); }

// A whole HTTP/1.1 POST of `body`, with a Content-Length or chunked (64 KiB chunks).
std::string post_request(const std::string & path, const std::string & body, bool chunked) {
    std::string r = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\n";
    if (!chunked) return r + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    r += "Transfer-Encoding: chunked\r\n\r\n";
    for (size_t at = 0; at < body.size(); at += 64 << 10) {
        const std::string piece = body.substr(at, 64 << 10);
        char size[32];
        std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
        r += size + piece + "\r\n";
    }
    return r + "0\r\n\r\n";
}

// The status and body of the response `raw` holds ("" and 0 when there is none).
std::pair<int, std::string> parse_response(const std::string & raw) {
    const size_t head_end = raw.find("\r\n\r\n");
    if (raw.rfind("HTTP/1.1 ", 0) != 0 || head_end == std::string::npos) return {0, ""};
    return {std::stoi(raw.substr(9, 3)), raw.substr(head_end + 4)};
}

}  // namespace

TEST(ServeAbuse, ClientsSendingHeadersOneByteASecondBlockNoOneAndAreCutOffWhenTheyStall) {
    // --timeout 2: a client silent for 2 s is dropped; one byte a second keeps each read alive.
    ServeProcess s("-t 2 -k 1 --timeout 2 -i " + ragppo::test::shell_quote(small_index()));
    const std::string request = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    constexpr int kSlowClients = 4;
    constexpr size_t kBytesSent = 6;  // "GET /h": well into the request line, then silence

    std::atomic<int> sent_by_all{0};
    std::vector<std::string> got(kSlowClients);
    std::vector<int> closed(kSlowClients, -1);  // 1: the server closed the stalled connection
    std::vector<double> closed_after_s(kSlowClients, 0);
    std::vector<std::thread> slow;
    for (int i = 0; i < kSlowClients; ++i) {
        slow.emplace_back([&, i] {
            RawConnection conn(s.port());
            if (!conn.connected()) return;
            for (size_t b = 0; b < kBytesSent; ++b) {
                if (b > 0) std::this_thread::sleep_for(1s);
                if (!conn.send_byte(request[b])) return;
                ++sent_by_all;
            }
            const auto stall = std::chrono::steady_clock::now();
            closed[i] = conn.wait_closed(15s, got[i]) ? 1 : 0;
            closed_after_s[i] = std::chrono::duration<double>(std::chrono::steady_clock::now() - stall).count();
        });
    }

    // While the slow clients are mid-request, everyone else is answered at once.
    while (sent_by_all < kSlowClients) std::this_thread::sleep_for(20ms);
    const auto t0 = std::chrono::steady_clock::now();
    auto c = client(s);
    auto health = c->Get("/health");
    ASSERT_TRUE(health) << httplib::to_string(health.error());
    EXPECT_EQ(health->status, 200);
    expect_serving(*c, "four clients sending one byte a second");
    EXPECT_LT(sent_by_all.load(), kSlowClients * static_cast<int>(kBytesSent)) << "the normal requests waited for the slow ones";
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);

    for (auto & t : slow) t.join();
    for (int i = 0; i < kSlowClients; ++i) {
        // Still open after 1 s silences (each shorter than --timeout), closed about 2 s
        // after the last byte, without a response: the request was never complete.
        EXPECT_EQ(closed[i], 1) << "slow client " << i << " was not cut off 15 s after it stalled";
        EXPECT_GT(closed_after_s[i], 1.5) << "slow client " << i;
        EXPECT_LT(closed_after_s[i], 8.0) << "slow client " << i;
        EXPECT_EQ(got[i], "") << "slow client " << i;
    }
    expect_serving(*c, "the slow clients were cut off");
    EXPECT_EQ(s.stop(), 0) << s.log();
}

TEST(ServeAbuse, AClientThatNeverFallsSilentIsCutOffAtTheRequestDeadline) {
    // Each read may wait 2 s (--timeout), the whole request 3 s (--request-timeout). A byte
    // every half second keeps every read alive, so only the deadline can end it.
    ServeProcess s("-t 2 -k 1 --timeout 2 --request-timeout 3 -i " + ragppo::test::shell_quote(small_index()));
    // An endless request line (httplib answers nothing there: the server writes the 408),
    // endless headers, then an endless body after "Expect: 100-continue" (httplib writes
    // 100 Continue before it reads the body: the deadline must hold past that write).
    // Each is answered 408 with the reason.
    struct Endless {
        std::string what, start;
        bool start_at_once;  // `start` in one go, then a byte every 0.5 s; else all of it byte by byte
    };
    for (const Endless & e : std::vector<Endless>{
             {"the request line", "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n", false},
             {"headers", "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Endless: ", true},
             {"a body after 100 Continue",
              "POST /v1/query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
              "Content-Length: 100000\r\n\r\n",
              true}}) {
        RawConnection endless(s.port());
        ASSERT_TRUE(endless.connected());
        const auto t0 = std::chrono::steady_clock::now();
        size_t sent = 0;
        if (e.start_at_once) {
            endless.send_until_answered(e.start);
            sent = e.start.size();
        }
        bool closed = false;
        while (!closed && std::chrono::steady_clock::now() - t0 < 15s) {
            closed = !endless.send_byte(sent < e.start.size() ? e.start[sent] : 'a');
            ++sent;
            if (!closed) std::this_thread::sleep_for(500ms);
            closed = closed || endless.peer_closed();
        }
        const double after_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        EXPECT_TRUE(closed) << e.what << ": a client sending a byte every 0.5 s was still connected after 15 s";
        EXPECT_GT(after_s, 2.5) << e.what;
        EXPECT_LT(after_s, 6.0) << e.what;
        std::string got;
        endless.wait_closed(2s, got);
        EXPECT_EQ(got.find(" 200 "), std::string::npos) << e.what << ": " << got;
        EXPECT_NE(got.find("HTTP/1.1 408 Request Timeout\r\n"), std::string::npos) << e.what << ": " << got;
        EXPECT_NE(got.find("the request did not arrive within the --request-timeout of 3 s"), std::string::npos) << e.what << ": " << got;
    }

    // A request with a pause (shorter than --timeout) that arrives within the deadline is answered.
    RawConnection paused(s.port());
    ASSERT_TRUE(paused.connected());
    const std::string request = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    for (size_t b = 0; b < request.size(); ++b) {
        if (b == 10) std::this_thread::sleep_for(1500ms);
        ASSERT_TRUE(paused.send_byte(request[b]));
    }
    std::string answer;
    EXPECT_TRUE(paused.wait_closed(10s, answer));
    EXPECT_EQ(parse_response(answer).first, 200) << answer;
    auto c = client(s);
    expect_serving(*c, "a request that never ended");
    // Each 408 is counted and logged like any answer, also the one the server wrote itself
    // for a request line it never had whole (no route: counted as "other").
    const auto metrics = c->Get("/metrics");
    ASSERT_TRUE(metrics);
    for (const char * route : {"other", "/health", "/v1/query"}) {
        EXPECT_NE(metrics->body.find("ragppo_requests_total{route=\"" + std::string(route) + "\",status=\"408\"} 1"),
                  std::string::npos) << route << "\n" << metrics->body;
    }
    EXPECT_EQ(s.stop(), 0) << s.log();
    EXPECT_NE(s.log().find("ragppo serve: - - 408 the request did not arrive within the --request-timeout of 3 s\n"),
              std::string::npos) << s.log();
}

TEST(ServeAbuse, ATenMegabyteBodyGets413AndTheServerGoesOn) {
    // The default body limit (1 MiB).
    ServeProcess s("-t 2 -k 1 -i " + ragppo::test::shell_quote(small_index()));
    auto c = client(s);
    const std::string big =
        json{{"model", "ragppo-vanilla"}, {"messages", {{{"role", "user"}, {"content", std::string(10 << 20, 'a')}}}}}.dump();
    const std::string limit_message = "the request body is larger than the limit of 1048576 bytes";

    // With a Content-Length the server refuses from the headers, before reading the body;
    // chunked (no length up front) once the chunks pass the limit. A raw connection, as
    // httplib's client stops at the failed write and never reads the early answer.
    for (const auto & [path, chunked] : std::vector<std::pair<std::string, bool>>{{"/v1/chat/completions", false}, {"/v1/embeddings", true}}) {
        const std::string how = path + (chunked ? ", chunked" : ", with a Content-Length");
        const auto t0 = std::chrono::steady_clock::now();
        RawConnection conn(s.port());
        ASSERT_TRUE(conn.connected()) << how;
        conn.send_until_answered(post_request(path, big, chunked));
        std::string raw;
        EXPECT_TRUE(conn.wait_closed(30s, raw)) << how;
        const auto [status, body] = parse_response(raw);
        EXPECT_EQ(status, 413) << how << ": " << raw.substr(0, 300);
        ASSERT_NE(body, "") << how << ": " << raw.substr(0, 300);
        EXPECT_EQ(json::parse(body)["error"]["message"], limit_message) << how << ": " << body;
        EXPECT_EQ(json::parse(body)["error"]["type"], "request_too_large") << how << ": " << body;
        EXPECT_LT(std::chrono::steady_clock::now() - t0, 20s) << how;
        expect_serving(*c, "a 10 MB body to " + how);
    }

    auto metrics = c->Get("/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_NE(metrics->body.find("ragppo_requests_total{route=\"/v1/chat/completions\",status=\"413\"} 1"), std::string::npos) << metrics->body;
    EXPECT_NE(metrics->body.find("ragppo_requests_total{route=\"/v1/embeddings\",status=\"413\"} 1"), std::string::npos) << metrics->body;
    EXPECT_EQ(s.stop(), 0) << s.log();
}
