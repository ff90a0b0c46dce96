#include "rl/ppo_checkpoint.h"

#include "rl/checkpoint_files.h"

#include "util/atomic_write.h"
#include "util/crc32c.h"
#include "ragppo.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>
#include <fstream>
#include <sstream>

namespace ragppo::rl {

namespace fs = std::filesystem;

namespace {

constexpr const char * kLatest = "latest";

std::string checkpoint_name(int64_t step) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "step-%06lld", static_cast<long long>(step));
    return buf;
}

nlohmann::json model_shape(const Gpt2Config & c) {
    return {{"vocab_size", c.vocab_size}, {"n_positions", c.n_positions}, {"n_embd", c.n_embd},
            {"n_layer", c.n_layer},       {"n_head", c.n_head},           {"n_inner", c.mlp_width()}};
}

// Checkpoint writers killed mid-write leave ".step-NNNNNN.tmp-PID-N" beside the
// checkpoints (up to a model's size each). write_dir_atomically clears those of the
// step it writes; this clears every step's, once their writer's pid is gone.
void remove_dead_writers_temps(const fs::path & root) {
    std::error_code ec;
    for (const auto & e : fs::directory_iterator(root, ec)) {
        const std::string name = e.path().filename().string();
        const size_t tmp = name.find(".tmp-");
        if (name.rfind(".step-", 0) != 0 || tmp == std::string::npos) continue;
        const long pid = std::strtol(name.c_str() + tmp + 5, nullptr, 10);
        if (pid <= 0 || pid == getpid()) continue;
        if (kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // alive (or not ours to judge)
        fs::remove_all(e.path(), ec);
    }
}

torch::Generator global_generator() { return at::detail::getDefaultCPUGenerator(); }

// Catches torch's long multi-line errors and turns them into one line naming the file.
template <class F>
void torch_io(const fs::path & file, const char * what, F && f) {
    try {
        f();
    } catch (const c10::Error & e) {
        std::string msg = e.what_without_backtrace();
        msg = msg.substr(0, msg.find('\n'));
        throw Error(std::string("cannot ") + what + " " + file.string() + ": " + msg);
    }
}

}  // namespace

fs::path save_checkpoint(const fs::path & root, PpoTrainer & trainer, torch::Generator & sample_rng,
                         const TrainingCursor & cursor, const nlohmann::json & run_settings, int keep) {
    // Every rank's sampling and global RNG go into rank 0's checkpoint (a collective).
    DataParallel & dp = trainer.data_parallel();
    const auto sample_states = dp.all_gather_rows(sample_rng.get_state().unsqueeze(0));
    const auto torch_states = dp.all_gather_rows(global_generator().get_state().unsqueeze(0));
    const fs::path target = root / checkpoint_name(cursor.step);
    if (!dp.is_main()) return target;
    fs::create_directories(root);
    remove_dead_writers_temps(root);
    util::write_dir_atomically(target, [&](const fs::path & tmp) {
        torch_io(tmp / "policy.pt", "write", [&] { torch::save(trainer.policy().shared_from_this(), (tmp / "policy.pt").string()); });
        util::write_hook("file:policy.pt");
        torch_io(tmp / "optimizer.pt", "write", [&] { torch::save(trainer.optimizer(), (tmp / "optimizer.pt").string()); });
        util::write_hook("file:optimizer.pt");
        torch_io(tmp / "rng.pt", "write", [&] {
            torch::serialize::OutputArchive rng;
            rng.write("sample", sample_rng.get_state());
            rng.write("shuffle", trainer.shuffle_rng().get_state());
            rng.write("torch", global_generator().get_state());
            for (int r = 1; r < dp.world_size(); ++r) {
                rng.write("sample_rank" + std::to_string(r), sample_states[r].clone());
                rng.write("torch_rank" + std::to_string(r), torch_states[r].clone());
            }
            rng.save_to((tmp / "rng.pt").string());
        });
        nlohmann::json sums;
        for (const char * f : kCheckpointTensorFiles) sums[f] = crc32c_hex(util::crc32c_file(tmp / f));
        const nlohmann::json state = {
            {"format", kCheckpointFormat},
            {"step", cursor.step},
            {"data_cursor", cursor.data_cursor},
            {"kl_coef", trainer.kl_controller().value()},
            {"model_shape", model_shape(trainer.policy().config())},
            {"run", run_settings},
            {"crc32c", sums},
        };
        std::ofstream(tmp / "state.json") << state.dump(1) << '\n';
        for (const char * f : {"policy.pt", "optimizer.pt", "rng.pt", "state.json"}) util::fsync_path(tmp / f);
    });
    util::write_file_atomic((root / kLatest).string(), checkpoint_name(cursor.step) + "\n");

    if (keep > 0) {
        const std::vector<fs::path> all = complete_checkpoints(root);
        for (size_t i = 0; i + static_cast<size_t>(keep) < all.size(); ++i)
            if (all[i] != target) fs::remove_all(all[i]);
    }
    return target;
}

std::optional<fs::path> latest_checkpoint(const fs::path & root) {
    std::ifstream in(root / kLatest);
    std::string name;
    if (!(in >> name)) return std::nullopt;
    const fs::path dir = root / name;
    if (!fs::is_regular_file(dir / "state.json")) return std::nullopt;
    return dir;
}

TrainingCursor load_checkpoint(const fs::path & checkpoint, PpoTrainer & trainer, torch::Generator & sample_rng,
                               bool verify) {
    const auto state = read_checkpoint_state(checkpoint);
    // Every byte of the tensor files (about 0.3 s per GB; docs/RELIABILITY.md), so damaged
    // weights or moments are refused instead of trained on; --no-verify skips it.
    if (verify) verify_checkpoint_files(checkpoint, state);
    const auto have = model_shape(trainer.policy().config());
    if (state.at("model_shape") != have)
        throw Error("checkpoint " + checkpoint.string() + " is of another model (" + state.at("model_shape").dump() +
                    ", this run's model is " + have.dump() + ")");

    auto policy = trainer.policy().shared_from_this();
    torch_io(checkpoint / "policy.pt", "read", [&] {
        auto holder = std::dynamic_pointer_cast<Gpt2PolicyImpl>(policy);
        torch::serialize::InputArchive in;
        in.load_from((checkpoint / "policy.pt").string(), trainer.policy().device());
        holder->load(in);
    });
    torch_io(checkpoint / "optimizer.pt", "read", [&] { torch::load(trainer.optimizer(), (checkpoint / "optimizer.pt").string()); });
    torch_io(checkpoint / "rng.pt", "read", [&] {
        torch::serialize::InputArchive rng;
        rng.load_from((checkpoint / "rng.pt").string());
        torch::Tensor t;
        // Ranks after the first have their own sampling and global RNG states.
        const int rank = trainer.data_parallel().rank();
        const std::string suffix = rank == 0 ? "" : "_rank" + std::to_string(rank);
        if (!rng.try_read("sample" + suffix, t))
            throw Error("checkpoint " + checkpoint.string() + " has no RNG state for rank " + std::to_string(rank));
        sample_rng.set_state(t);
        rng.read("shuffle", t);
        trainer.shuffle_rng().set_state(t);
        rng.read("torch" + suffix, t);
        auto g = global_generator();
        g.set_state(t);
    });
    trainer.kl_controller().set_value(state.at("kl_coef").get<double>());
    trainer.policy().eval();
    return TrainingCursor{state.at("step").get<int64_t>(), state.at("data_cursor").get<int64_t>()};
}

}  // namespace ragppo::rl
