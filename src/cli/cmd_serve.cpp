// ragppo serve: the RAG pipeline as an HTTP service (OpenAI-compatible routes, a web
// page, /metrics). The flags here only fill ServeConfig; src/serve/ does the work.
#include "commands.h"
#include "options.h"
#include "../serve/serve_config.h"

namespace ragppo::cli {

void register_serve(CLI::App & app) {
    auto c = std::make_shared<serve::ServeConfig>();
    auto * cmd = app.add_subcommand("serve",
                                    "Serve the index over HTTP: OpenAI-compatible /v1/chat/completions (models ragppo-rag, "
                                    "ragppo-vanilla), /v1/embeddings, /v1/query, /health, /metrics and a web page at /");
    add_query_engine_options(cmd, c->engine);
    cmd->add_option("--host", c->host, "Address to listen on; other than loopback it needs --api-key")->capture_default_str();
    cmd->add_option("--port", c->port, "TCP port, 0..65535; 0 = any free port (the start-up line names it)")
        ->capture_default_str()->check(int_in("--port", 0, 65535));
    cmd->add_option("--parallel", c->parallel,
                    "Generation slots: answers decoded at the same time, as sequences of one llama.cpp context and one copy "
                    "of the LLM, batched together at every step (continuous batching) on the -t threads (0: every core); "
                    "each slot has -c tokens of context")
        ->capture_default_str()->check(int_in("--parallel", 1, 64));
    cmd->add_option("--queue-size", c->queue_size, "Answers that may wait for a free slot; one more gets 503 with Retry-After")
        ->capture_default_str()->check(int_in("--queue-size", 0, 4096));
    cmd->add_option("--api-key", c->api_key, "Require 'Authorization: Bearer KEY' on /v1/* and /metrics")
        ->envname("RAGPPO_API_KEY");
    cmd->add_option("--cors", c->cors_origin, "Allow browsers on this origin (e.g. http://localhost:3000, or *) to call the API; off by default");
    cmd->add_option("--max-body-bytes", c->max_body_bytes, "Largest request body; more gets 413")
        ->capture_default_str()->check(int_in("--max-body-bytes", 1024, 1LL << 30));
    cmd->add_option("--timeout", c->timeout_s, "Socket read and write timeout in seconds")
        ->capture_default_str()->check(int_in("--timeout", 1, 3600));
    cmd->add_option("--request-timeout", c->request_timeout_s,
                    "Seconds a client has to send a whole request (line, headers, body); a slower one is cut off "
                    "(a byte now and then keeps each read within --timeout, not this); allow for --max-body-bytes over the slowest link served")
        ->capture_default_str()->check(int_in("--request-timeout", 1, 3600));
    cmd->callback([c] { serve::run_server(*c); });
}

}  // namespace ragppo::cli
