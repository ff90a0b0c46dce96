#include "cli/local_ranks.h"

#include "ragppo.h"
#include "util/loopback_port.h"

#include <csignal>
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

LocalRanks::LocalRanks(int world_size) : world_size_(world_size), port_(util::free_loopback_port()) {
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
        if (pid < 0) throw Error("--nproc: cannot start rank " + r);
        if (pid == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // no orphaned ranks if rank 0 dies
            if (::getppid() != parent) ::_exit(1);
            ::execve("/proc/self/exe", argv.data(), envp.data());
            ::_exit(127);
        }
        pids_.push_back(pid);
    }
}

LocalRanks::~LocalRanks() {
    for (const pid_t pid : pids_) ::kill(pid, SIGTERM);
    for (const pid_t pid : pids_) ::waitpid(pid, nullptr, 0);
}

void LocalRanks::wait() {
    std::string failed;
    for (size_t i = 0; i < pids_.size(); ++i) {
        int status = 0;
        if (::waitpid(pids_[i], &status, 0) < 0) continue;
        const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (!ok && failed.empty())
            failed = "rank " + std::to_string(i + 1) +
                     (WIFSIGNALED(status) ? " was killed by signal " + std::to_string(WTERMSIG(status))
                                          : " exited with status " + std::to_string(WEXITSTATUS(status)));
    }
    pids_.clear();
    if (!failed.empty()) throw Error("--nproc: " + failed);
}

}  // namespace ragppo::cli
