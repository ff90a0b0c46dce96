// `ragppo ppo --nproc N`: this process becomes rank 0 of an N-rank data-parallel
// run on this machine and starts ranks 1..N-1 as copies of itself, with the
// environment torchrun would give them (RANK, WORLD_SIZE, LOCAL_RANK,
// LOCAL_WORLD_SIZE, MASTER_ADDR=127.0.0.1, MASTER_PORT = a free port). The
// copies die with this process; a copy that fails is reported by wait().
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace ragppo::cli {

class LocalRanks {
public:
    explicit LocalRanks(int world_size);
    ~LocalRanks();  // stops ranks still running (this process failed)
    LocalRanks(const LocalRanks &) = delete;
    LocalRanks & operator=(const LocalRanks &) = delete;

    int world_size() const { return world_size_; }
    int master_port() const { return port_; }

    // Waits for every started rank; throws ragppo::Error naming the first that failed.
    void wait();

private:
    int world_size_ = 1;
    int port_ = 0;
    std::vector<pid_t> pids_;  // ranks 1..N-1
};

}  // namespace ragppo::cli
