#include "local_ranks.h"

#include "ragppo.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char ** environ;

namespace ragppo::cli {

namespace {

// This process's own command line, to start the copies with the same arguments.
std::vector<std::string> own_arguments() {
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::string> args;
    for (size_t at = 0; at < all.size();) {
        const size_t end = all.find('\0', at);
        args.push_back(all.substr(at, end - at));
        at = end == std::string::npos ? all.size() : end + 1;
    }
    return args;
}

}  // namespace

LocalRanks::LocalRanks(int world_size, int master_port) : world_size_(world_size), port_(master_port) {
    const auto args = own_arguments();
    if (args.empty()) throw Error("--nproc: cannot read this process's arguments");
    const char * const ours[] = {"RANK=", "LOCAL_RANK=", "WORLD_SIZE=", "LOCAL_WORLD_SIZE=", "MASTER_ADDR=", "MASTER_PORT="};
    std::vector<std::string> inherited;
    for (char ** e = environ; *e; ++e) {
        bool replaced = false;
        for (const char * name : ours) replaced = replaced || std::string(*e).rfind(name, 0) == 0;
        if (!replaced) inherited.emplace_back(*e);
    }
    for (int rank = 1; rank < world_size; ++rank) {
        // Everything the copy needs is built before fork(): the child only calls exec
        // (other threads may hold the allocator's lock at the fork).
        std::vector<std::string> env = inherited;
        const std::string r = std::to_string(rank), world = std::to_string(world_size);
        for (const std::string & kv : {"RANK=" + r, "LOCAL_RANK=" + r, "WORLD_SIZE=" + world, "LOCAL_WORLD_SIZE=" + world,
                                      std::string("MASTER_ADDR=127.0.0.1"), "MASTER_PORT=" + std::to_string(port_)})
            env.push_back(kv);
        std::vector<char *> argv, envp;
        for (const auto & a : args) argv.push_back(const_cast<char *>(a.c_str()));
        argv.push_back(nullptr);
        for (const auto & kv : env) envp.push_back(const_cast<char *>(kv.c_str()));
        envp.push_back(nullptr);
        const pid_t parent = ::getpid();
        const pid_t pid = ::fork();
        if (pid < 0) {
            stop();
            throw Error("--nproc: cannot start rank " + r);
        }
        if (pid == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // no orphaned ranks if rank 0 dies
            if (::getppid() != parent) ::_exit(1);
            ::execve("/proc/self/exe", argv.data(), envp.data());
            ::_exit(127);
        }
        pids_.push_back(pid);
    }
    watcher_ = std::thread([this] { watch(); });
}

void LocalRanks::watch() {
    std::vector<bool> done(pids_.size(), false);
    for (size_t left = pids_.size(); left > 0;) {
        for (size_t i = 0; i < pids_.size(); ++i) {
            if (done[i]) continue;
            int status = 0;
            const pid_t got = ::waitpid(pids_[i], &status, WNOHANG);
            if (got == 0 || (got < 0 && errno == EINTR)) continue;
            done[i] = true;
            --left;
            const bool ok = got == pids_[i] && WIFEXITED(status) && WEXITSTATUS(status) == 0;
            if (ok || stopping_) continue;
            // Rank 0 cannot finish without it; the others die with this process.
            std::fprintf(stderr, "ragppo: error: --nproc: rank %zu %s\n", i + 1,
                         WIFSIGNALED(status) ? ("was killed by signal " + std::to_string(WTERMSIG(status))).c_str()
                                             : ("exited with status " + std::to_string(WEXITSTATUS(status))).c_str());
            std::fflush(stderr);
            std::_Exit(1);
        }
        if (left > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

void LocalRanks::stop() {
    stopping_ = true;
    for (const pid_t pid : pids_) ::kill(pid, SIGTERM);
    if (watcher_.joinable()) {
        watcher_.join();
    } else {
        for (const pid_t pid : pids_)
            while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {}
    }
}

LocalRanks::~LocalRanks() {
    if (watcher_.joinable() || !pids_.empty()) stop();
}

void LocalRanks::wait() {
    if (watcher_.joinable()) watcher_.join();  // returns once every copy exited 0
    pids_.clear();
}

}  // namespace ragppo::cli
