// c10d from the torch wheel. The wheel ships libtorch's Gloo but not Gloo's
// headers; ProcessGroupGloo.hpp needs them only to declare types that it holds
// by pointer, so Debian's libgloo-dev declares them (no Gloo code of Debian's
// is linked; every Gloo symbol comes from libtorch_cpu).
#include "rl/data_parallel.h"

#include "ragppo.h"
#include "util/summary_stats.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef RAGPPO_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <csignal>
#include <cstdlib>
#include <cstring>

namespace ragppo::rl {

namespace {

constexpr double kMaxTimeoutS = 7 * 86400.0;  // as `ragppo ppo --dist-timeout` allows

// c10d's messages carry a source location, advice and sometimes a backtrace:
// the reason alone, on one line.
std::string reason(const std::exception & e) {
    std::string s = e.what();
    if (const auto * c10 = dynamic_cast<const c10::Error *>(&e)) s = c10->what_without_backtrace();
    if (!s.empty() && s[0] == '[') {
        if (const auto close = s.find("] "); close != std::string::npos) s = s.substr(close + 2);
    }
    if (const auto nl = s.find('\n'); nl != std::string::npos) s = s.substr(0, nl);
    if (const auto advice = s.find(". This is typically"); advice != std::string::npos) s = s.substr(0, advice);
    return s;
}

template <class F>
auto collective(int rank, const char * what, F && f) {
    try {
        return f();
    } catch (const Error &) {
        throw;
    } catch (const std::exception & e) {
        throw Error("rank " + std::to_string(rank) + ": lost contact with the other ranks of the data-parallel run during " +
                    what + " (" + reason(e) + ")");
    }
}

int env_int(const char * name, int lo, int hi) {
    const char * v = std::getenv(name);
    if (!v || !*v) throw Error(std::string("data-parallel run: ") + name + " is not set (torchrun sets RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT)");
    char * end = nullptr;
    const long x = std::strtol(v, &end, 10);
    if (*end != '\0' || x < lo || x > hi)
        throw Error(std::string("data-parallel run: ") + name + "='" + v + "' is not an integer in " + std::to_string(lo) +
                    ".." + std::to_string(hi));
    return static_cast<int>(x);
}

}  // namespace

}  // namespace ragppo::rl

std::optional<ragppo::PpoRanks> ragppo::ppo_ranks_from_env() {
    using rl::env_int;
    const char * world = std::getenv("WORLD_SIZE");
    if (!world || !*world) return std::nullopt;
    PpoRanks p;
    p.world_size = env_int("WORLD_SIZE", 1, 4096);
    p.rank = env_int("RANK", 0, p.world_size - 1);
    if (const char * addr = std::getenv("MASTER_ADDR"); addr && *addr) p.master_addr = addr;
    if (std::getenv("MASTER_PORT")) p.master_port = env_int("MASTER_PORT", 1, 65535);
    p.local_world_size = std::getenv("LOCAL_WORLD_SIZE") ? env_int("LOCAL_WORLD_SIZE", 1, p.world_size) : p.world_size;
    p.local_rank = std::getenv("LOCAL_RANK") ? env_int("LOCAL_RANK", 0, p.local_world_size - 1) : p.rank;
    return p;
}

namespace ragppo::rl {

struct DataParallel::Impl {
    c10::intrusive_ptr<c10d::Store> store;
    c10::intrusive_ptr<c10d::Backend> backend;
    torch::Device device = torch::kCPU;  // where the backend wants its tensors (NCCL: the GPU)
};

DataParallel::DataParallel() = default;
DataParallel::~DataParallel() = default;

DataParallel::DataParallel(const PpoRanks & p, const std::string & device) : rank_(p.rank), world_(p.world_size) {
    if (p.world_size < 1 || p.rank < 0 || p.rank >= p.world_size)
        throw Error("data-parallel run: rank " + std::to_string(p.rank) + " of " + std::to_string(p.world_size));
    if (p.world_size == 1) return;
    // Checked here, before any rendezvous, for callers of the library (the CLI checks its
    // flags): a timeout of 0 or NaN would make every wait fail or never end, and a port is
    // cast to 16 bits.
    if (!(p.timeout_s >= 1 && p.timeout_s <= kMaxTimeoutS))
        throw Error("data-parallel run: timeout_s must be between 1 and " + std::to_string(static_cast<int>(kMaxTimeoutS)) +
                    " seconds, not " + util::format_number("%g", p.timeout_s));
    if (p.master_port < 1 || p.master_port > 65535)
        throw Error("data-parallel run: master_port must be between 1 and 65535, not " + std::to_string(p.master_port));
    // Gloo writes to its peers' sockets: a peer that died must be an error here, not a
    // SIGPIPE that ends this process without a word.
    std::signal(SIGPIPE, SIG_IGN);
    impl_ = std::make_unique<Impl>();
    const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(p.timeout_s * 1000));
    const bool cuda = torch::Device(device).is_cuda();
    if (cuda) impl_->device = torch::Device(device);
    collective(rank_, "the rendezvous", [&] {
        c10d::TCPStoreOptions so;
        so.port = static_cast<uint16_t>(p.master_port);
        so.isServer = p.rank == 0;
        so.numWorkers = static_cast<size_t>(p.world_size);
        so.waitWorkers = true;
        so.timeout = timeout;
        impl_->store = c10::make_intrusive<c10d::TCPStore>(p.master_addr, so);
        if (cuda) {
#ifdef RAGPPO_C10D_NCCL
            auto opts = c10d::ProcessGroupNCCL::Options::create();
            opts->timeout = timeout;
            impl_->backend = c10::make_intrusive<c10d::ProcessGroupNCCL>(impl_->store, p.rank, p.world_size, opts);
#else
            throw Error("data-parallel run on " + device + ": this build's libtorch has no NCCL (a CPU torch wheel)");
#endif
        } else {
            auto opts = c10d::ProcessGroupGloo::Options::create();
            opts->timeout = timeout;
            // GLOO_SOCKET_IFNAME as torch.distributed reads it; else loopback for a
            // master on this machine, else the address this host's name resolves to.
            const char * ifname = std::getenv("GLOO_SOCKET_IFNAME");
            opts->devices.push_back(ifname && *ifname ? c10d::ProcessGroupGloo::createDeviceForInterface(ifname)
                                    : p.master_addr == "127.0.0.1" || p.master_addr == "localhost"
                                        ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                                        : c10d::ProcessGroupGloo::createDefaultDevice());
            impl_->backend = c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, p.rank, p.world_size, opts);
        }
        return 0;
    });
}

torch::Tensor DataParallel::my_share(const torch::Tensor & rows) const {
    if (world_ == 1) return rows;
    const int64_t n = rows.size(0) / world_;
    return rows.slice(0, rank_ * n, (rank_ + 1) * n);
}

torch::Tensor DataParallel::all_gather_rows(const torch::Tensor & local) {
    if (world_ == 1) return local;
    return collective(rank_, "all_gather", [&] {
        std::vector<at::Tensor> in{local.to(impl_->device).contiguous()};
        std::vector<std::vector<at::Tensor>> out(1);
        for (int r = 0; r < world_; ++r) out[0].push_back(torch::empty_like(in[0]));
        impl_->backend->allgather(out, in)->wait();
        return torch::cat(out[0], 0).to(local.device());
    });
}

namespace {

// Runs `op` on flat buffers of the tensors, about 64 MB at a time: one collective per
// bucket instead of one per tensor, and never a second copy of all the gradients. The
// tensors share one dtype (the caller's gradients or weights).
template <class Op>
void in_buckets(std::vector<torch::Tensor> & tensors, torch::Device device, Op && op) {
    constexpr int64_t kBucketBytes = 64 << 20;
    for (size_t first = 0; first < tensors.size();) {
        size_t last = first;
        int64_t bytes = 0;
        std::vector<torch::Tensor> parts;
        while (last < tensors.size() && (parts.empty() || bytes < kBucketBytes)) {
            parts.push_back(tensors[last].reshape(-1));
            bytes += tensors[last].numel() * static_cast<int64_t>(tensors[last].element_size());
            ++last;
        }
        std::vector<at::Tensor> flat{torch::cat(parts).to(device)};
        op(flat);
        int64_t at = 0;
        for (size_t i = first; i < last; ++i) {
            const int64_t n = tensors[i].numel();
            tensors[i].copy_(flat[0].slice(0, at, at + n).view(tensors[i].sizes()));
            at += n;
        }
        first = last;
    }
}

}  // namespace

void DataParallel::all_reduce_sum_(std::vector<torch::Tensor> & tensors) {
    if (world_ == 1 || tensors.empty()) return;
    collective(rank_, "all_reduce", [&] {
        in_buckets(tensors, impl_->device, [&](std::vector<at::Tensor> & flat) { impl_->backend->allreduce(flat)->wait(); });
        return 0;
    });
}

void DataParallel::broadcast_(std::vector<torch::Tensor> & tensors, int root) {
    if (world_ == 1 || tensors.empty()) return;
    collective(rank_, "broadcast", [&] {
        c10d::BroadcastOptions o;
        o.rootRank = root;
        in_buckets(tensors, impl_->device, [&](std::vector<at::Tensor> & flat) { impl_->backend->broadcast(flat, o)->wait(); });
        return 0;
    });
}

std::vector<std::string> DataParallel::all_gather_bytes(const std::string & local) {
    if (world_ == 1) return {local};
    const auto sizes = all_gather_rows(torch::tensor({static_cast<int64_t>(local.size())}, torch::kInt64));
    const int64_t longest = sizes.max().item<int64_t>();
    auto buf = torch::zeros({1, std::max<int64_t>(longest, 1)}, torch::kUInt8);
    std::memcpy(buf.data_ptr<uint8_t>(), local.data(), local.size());
    const auto all = all_gather_rows(buf);
    std::vector<std::string> out;
    for (int r = 0; r < world_; ++r) {
        const auto * p = all[r].data_ptr<uint8_t>();
        out.emplace_back(reinterpret_cast<const char *>(p), static_cast<size_t>(sizes[r].item<int64_t>()));
    }
    return out;
}

void DataParallel::barrier() {
    if (world_ == 1) return;
    collective(rank_, "a barrier", [&] {
        impl_->backend->barrier()->wait();
        return 0;
    });
}

void DataParallel::main_rank_done(const std::string & key) {
    if (world_ == 1) return;
    collective(rank_, "a wait for rank 0", [&] {
        if (rank_ == 0)
            impl_->store->set("ragppo/" + key, std::vector<uint8_t>{1});
        else
            impl_->store->wait({"ragppo/" + key}, std::chrono::hours(24 * 365));
        return 0;
    });
}

}  // namespace ragppo::rl
