// Start-up of `ragppo serve`: refuse an unsafe host before loading anything, load
// the index, embedders and the LLM (one context, a sequence per slot) once, configure httplib's limits, then
// serve until SIGINT or SIGTERM.
#include "deadline_server.h"
#include "routes.h"
#include "serve_config.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstdio>
#include <thread>

namespace ragppo::serve {

bool is_loopback_host(const std::string & host) {
    if (host == "localhost" || host == "::1" || host == "[::1]") return true;
    in_addr a{};
    return inet_pton(AF_INET, host.c_str(), &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

namespace {

// -t (else every core) is the whole server's: the one context that decodes every
// slot's sequence together uses all of them.
int server_threads(const ServeConfig & c) {
    return default_threads(c.engine.llm.n_threads > 0 ? c.engine.llm.n_threads : c.engine.n_threads);
}

// --parallel N: N sequences of one llama.cpp context, decoded in one batch per step
// (continuous batching), each with -c tokens of context.
std::vector<GeneratorPtr> load_slots(const ServeConfig & c) {
    GeneratorParams gp = c.engine.llm;
    gp.hub = c.engine.hub;
    gp.n_threads = server_threads(c);
    return generator_load_batched(gp, c.parallel);
}

}  // namespace

void run_server(const ServeConfig & config) {
    if (!is_loopback_host(config.host) && config.api_key.empty()) {
        throw Error("--host " + config.host + " is reachable from other machines: give --api-key KEY (or RAGPPO_API_KEY), or listen on 127.0.0.1");
    }
    if (config.parallel < 1) throw Error("--parallel must be at least 1, got " + std::to_string(config.parallel));

    // SIGINT/SIGTERM go to one thread that stops the server; blocked before any other
    // thread (llama.cpp's, httplib's) starts, so they all inherit the mask.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    // Until the server listens there is nothing to shut down cleanly: a signal during
    // the (long) model loading ends the process at once.
    std::atomic<httplib::Server *> listening{nullptr};
    std::thread stopper([&listening, stop_signals] {
        int sig = 0;
        sigwait(&stop_signals, &sig);
        httplib::Server * svr = listening.load();
        if (!svr) std::_Exit(128 + sig);
        std::fprintf(stderr, "ragppo serve: stopping (signal %d)\n", sig);
        svr->stop();
    });
    stopper.detach();  // the process ends soon after listen returns

    ServerState st;
    st.config = config;
    st.retrieval = std::make_unique<Retrieval>(config.engine);
    st.slots = std::make_unique<SlotPool>(load_slots(config), static_cast<size_t>(config.queue_size));
    st.n_ctx = generator_n_ctx(st.slots->any_generator());

    DeadlineServer svr(std::chrono::seconds(config.request_timeout_s));
    // Enough handler threads for every answer running or waiting plus a few for
    // /health and /metrics; more connections wait in httplib's own queue.
    const size_t threads = static_cast<size_t>(config.parallel + config.queue_size + 4);
    svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads, threads + 16); };
    svr.set_payload_max_length(config.max_body_bytes);
    svr.set_read_timeout(config.timeout_s, 0);
    svr.set_write_timeout(config.timeout_s, 0);
    svr.set_keep_alive_timeout(5);
    // httplib's default is SO_REUSEPORT, under which a second server on the same port also
    // listens and the kernel splits the connections between the two without a word.
    // SO_REUSEADDR alone (what llama-server sets) refuses a port in use and still rebinds
    // one whose old connections wait in TIME_WAIT after a restart.
    svr.set_socket_options([](socket_t sock) { httplib::set_socket_opt(sock, SOL_SOCKET, SO_REUSEADDR, 1); });
    install_guards(svr, st);
    install_info_routes(svr, st);
    install_answer_routes(svr, st);
    install_embeddings_route(svr, st);

    int port = config.port;
    if (port == 0) {
        port = svr.bind_to_any_port(config.host);
        if (port < 0) throw Error("cannot listen on " + config.host + " (no free port, or the address is not this machine's)");
    } else if (!svr.bind_to_port(config.host, port)) {
        throw Error("cannot listen on " + config.host + ":" + std::to_string(port) + " (in use, or not this machine's address)");
    }

    std::fprintf(stderr,
                 "ragppo serve: listening on http://%s:%d (%d slot(s) batched in one context of %d thread(s), queue %d, n_ctx %d, index %zu nodes%s)\n",
                 config.host.c_str(), port, config.parallel, server_threads(config), config.queue_size, st.n_ctx, st.retrieval->manifest().n_nodes,
                 config.api_key.empty() ? "" : ", API key required");
    std::fflush(stderr);
    listening = &svr;
    if (!svr.listen_after_bind()) throw Error("the server stopped with an error");
}

}  // namespace ragppo::serve
