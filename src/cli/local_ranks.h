// `ragppo ppo --nproc N`: this process becomes rank 0 of an N-rank data-parallel
// run on this machine and starts ranks 1..N-1 as copies of itself, with the
// environment torchrun would give them (RANK, WORLD_SIZE, LOCAL_RANK,
// LOCAL_WORLD_SIZE, MASTER_ADDR=127.0.0.1, MASTER_PORT = the port rank 0 serves on). The
// copies die with this process. A copy that fails, at any moment (before the
// rendezvous too, where this process would otherwise wait for it until the
// timeout), is named on stderr and this process exits with status 1.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace ragppo::cli {

class LocalRanks {
public:
    // Rank 0 (this process) serves the rendezvous on 127.0.0.1:master_port.
    LocalRanks(int world_size, int master_port);
    ~LocalRanks();  // stops ranks still running (this process failed)
    LocalRanks(const LocalRanks &) = delete;
    LocalRanks & operator=(const LocalRanks &) = delete;

    int world_size() const { return world_size_; }
    int master_port() const { return port_; }

    // Waits for every started rank to finish (this rank has finished its run).
    void wait();

private:
    void watch();  // the watcher thread: reaps the copies, ends everything when one fails
    void stop();   // SIGTERM to the copies still running, then reap them

    int world_size_ = 1;
    int port_ = 0;
    std::vector<pid_t> pids_;  // ranks 1..N-1
    std::atomic<bool> stopping_{false};
    std::thread watcher_;
};

}  // namespace ragppo::cli
