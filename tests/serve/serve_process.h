// A `ragppo serve` child process for the server tests: started on 127.0.0.1 with
// --port 0 (the server picks a free port and names it in its start-up line), its
// log kept in a file, stopped with SIGTERM at the end of the test.
#pragma once

#include <string>

namespace ragppo::test {

class ServeProcess {
public:
    // `args` follow `ragppo serve --offline --port 0` (no --port 0 when they name a port);
    // waits until the server listens.
    explicit ServeProcess(const std::string & args);
    ~ServeProcess();
    ServeProcess(const ServeProcess &) = delete;
    ServeProcess & operator=(const ServeProcess &) = delete;

    int port() const { return port_; }
    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::string log() const;  // the server's stderr so far
    // SIGTERM, then its exit status (0 for a clean stop); -1 when it did not stop in time.
    int stop();

private:
    int pid_ = -1;
    int port_ = 0;
    std::string log_path_;
};

// A small index of the shared recipes (the first `limit`), built with the default embedder.
std::string build_small_index(const std::string & dir, int limit);

}  // namespace ragppo::test
