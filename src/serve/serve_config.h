// Everything `ragppo serve` is started with: what to load (index, embedder, LLM,
// default sampling), where to listen, and the limits that keep it safe.
#pragma once

#include "ragppo/rag.h"

#include <cstddef>
#include <string>

namespace ragppo::serve {

struct ServeConfig {
    QueryEngineParams engine;  // index, top-k, response mode, LLM, default sampling
    std::string host = "127.0.0.1";
    int port = 8080;                // 0 = any free port (the log line names it)
    int parallel = 1;               // generation slots: sequences of one llama.cpp context
    int queue_size = 16;            // answers that may wait for a slot; one more gets 503
    std::string api_key;            // "" = no key (loopback only)
    std::string cors_origin;        // "" = no CORS headers
    size_t max_body_bytes = 1 << 20;
    int timeout_s = 60;             // socket read and write timeouts
    int request_timeout_s = 30;     // a whole request (line, headers, body) must arrive within this
    size_t max_embed_inputs = 256;  // texts per /v1/embeddings request
};

// Runs until SIGINT or SIGTERM. Throws ragppo::Error (one line) when it cannot start.
void run_server(const ServeConfig & config);

// 127.0.0.0/8, ::1 and localhost: hosts that only this machine can reach.
bool is_loopback_host(const std::string & host);

}  // namespace ragppo::serve
