#include "serve/serve_process.h"

#include "support/files.h"
#include "support/paths.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <regex>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace ragppo::test {

ServeProcess::ServeProcess(const std::string & args) {
    log_path_ = make_temp_dir("ragppo_serve_log_") + "/serve.log";
    const std::string port = args.find("--port ") == std::string::npos ? "--port 0 " : "";
    const std::string cmd = "exec " + bin("ragppo") + " serve --offline " + port + args + " 2>" + shell_quote(log_path_) + " >/dev/null";
    pid_ = fork();
    if (pid_ == 0) {
        setenv("OMP_NUM_THREADS", "1", 1);
        execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char *>(nullptr));
        _exit(127);
    }
    const std::regex listening(R"(listening on http://127\.0\.0\.1:(\d+))");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < deadline) {
        std::smatch m;
        const std::string text = log();
        if (std::regex_search(text, m, listening)) {
            port_ = std::stoi(m[1]);
            return;
        }
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("ragppo serve exited before listening: " + text);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error("ragppo serve did not listen within 120 s: " + log());
}

ServeProcess::~ServeProcess() { stop(); }

std::string ServeProcess::log() const {
    try {
        return read_file(log_path_);
    } catch (const std::exception &) {
        return "";
    }
}

int ServeProcess::stop() {
    if (pid_ < 0) return -1;
    kill(pid_, SIGTERM);
    for (int i = 0; i < 300; ++i) {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    return -1;
}

std::string build_small_index(const std::string & dir, int limit) {
    const std::string idx = dir + "/idx";
    const auto r = run_command(ragppo_cmd("index --offline -t 2 -d " + shell_quote(shared_data("recipes/recipes.json")) + " --limit " +
                                          std::to_string(limit) + " -o " + shell_quote(idx)));
    if (r.exit_code != 0) throw std::runtime_error("index failed: " + r.err);
    return idx;
}

}  // namespace ragppo::test
