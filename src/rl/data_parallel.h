// The ranks of a data-parallel PPO run and the few collectives the PPO step
// needs, over libtorch's own c10d: a TCPStore for the rendezvous and
// ProcessGroupGloo (CPU tensors) or ProcessGroupNCCL (CUDA builds of torch)
// for the data. No transport of ours. A single process is a DataParallel of
// one rank whose collectives return their input, so the trainer has one code
// path for both.
//
// Failure: when another rank dies, its sockets close and the next collective
// here throws ragppo::Error naming the lost peer within moments; a rank that
// hangs instead is detected after PpoRanks::timeout_s.
#pragma once

#include <ragppo/rl.h>
#include <torch/torch.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ragppo::rl {

// The ranks come as the public face names them (ragppo::PpoRanks, which
// ragppo::ppo_ranks_from_env() reads from torchrun's environment); the device picks
// the backend: "cpu": Gloo; "cuda[:i]": NCCL.

class DataParallel {
public:
    DataParallel();  // one rank, no communication
    // Connects to the other ranks (blocks until all have joined or timeout).
    // Throws ragppo::Error when the rendezvous fails or the backend is unavailable.
    DataParallel(const PpoRanks & ranks, const std::string & device);
    ~DataParallel();
    DataParallel(const DataParallel &) = delete;
    DataParallel & operator=(const DataParallel &) = delete;

    int rank() const { return rank_; }
    int world_size() const { return world_; }
    bool is_main() const { return rank_ == 0; }

    // This rank's contiguous share of `rows` (1-D): rows.size(0) / world_size of
    // them, rank 0 first. The caller makes the sizes divisible.
    torch::Tensor my_share(const torch::Tensor & rows) const;

    // Every rank's `local` (same shape everywhere) concatenated along dim 0 in rank order.
    torch::Tensor all_gather_rows(const torch::Tensor & local);
    // Element-wise sums over ranks, in place.
    void all_reduce_sum_(std::vector<torch::Tensor> & tensors);
    // Rank `root`'s values into every rank's tensors, in place.
    void broadcast_(std::vector<torch::Tensor> & tensors, int root = 0);
    // Every rank's bytes, in rank order (sizes may differ).
    std::vector<std::string> all_gather_bytes(const std::string & local);
    // Blocks until every rank has called it.
    void barrier();

    // Rank 0 sets `key` in the rendezvous store; the other ranks wait for it with no
    // time limit (for work of unbounded length on rank 0 alone, such as the held-out
    // evaluation), failing when rank 0 and its store go away.
    void main_rank_done(const std::string & key);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    int rank_ = 0, world_ = 1;
};

}  // namespace ragppo::rl
