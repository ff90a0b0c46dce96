// The files of a PPO checkpoint and their checksum check, without libtorch (header
// only: `ragppo verify` uses it in builds without the PPO half too). A checkpoint's
// state.json records the CRC-32C of each tensor file (rl/ppo_checkpoint.cpp writes it).
#pragma once

#include "ragppo.h"
#include "util/crc32c.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace ragppo::rl {

inline constexpr const char * kCheckpointTensorFiles[] = {"policy.pt", "optimizer.pt", "rng.pt"};
inline constexpr const char * kCheckpointState = "state.json";
inline constexpr const char * kCheckpointsDir = "checkpoints";  // inside a run directory
inline constexpr int kCheckpointFormat = 1;

inline std::string crc32c_hex(uint32_t crc) {
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", crc);
    return buf;
}

// state.json of a checkpoint. Throws ragppo::Error if it is missing, unreadable or of
// an unknown format.
inline nlohmann::json read_checkpoint_state(const std::filesystem::path & checkpoint) {
    std::ifstream in(checkpoint / kCheckpointState);
    if (!in) throw Error("not a PPO checkpoint (no state.json): " + checkpoint.string());
    try {
        auto state = nlohmann::json::parse(in);
        if (!state.is_object() || state.value("format", 0) != kCheckpointFormat)
            throw Error("unknown checkpoint format in " + checkpoint.string());
        return state;
    } catch (const nlohmann::json::exception & e) {
        throw Error("damaged checkpoint state " + (checkpoint / kCheckpointState).string() + ": " + e.what());
    }
}

// Reads every tensor file whole and compares its CRC-32C with state.json's; throws
// ragppo::Error, one line naming the file, on a difference or a missing file. Returns
// the bytes checked; 0 for a checkpoint written before checksums were recorded
// (nothing to compare with).
inline uint64_t verify_checkpoint_files(const std::filesystem::path & checkpoint, const nlohmann::json & state) {
    if (!state.contains("crc32c")) return 0;
    const auto & sums = state.at("crc32c");
    uint64_t bytes = 0;
    for (const char * f : kCheckpointTensorFiles) {
        const auto path = checkpoint / f;
        if (!sums.is_object() || !sums.contains(f) || !sums.at(f).is_string())
            throw Error("checkpoint " + checkpoint.string() + ": state.json lacks the checksum of " + f);
        if (!std::filesystem::exists(path)) throw Error("checkpoint " + checkpoint.string() + " is incomplete: " + f + " is missing");
        if (crc32c_hex(util::crc32c_file(path)) != sums.at(f).get<std::string>()) {
            throw Error(path.string() + " is corrupt (its CRC-32C differs from the one in state.json); "
                        "resume from an earlier checkpoint");
        }
        bytes += std::filesystem::file_size(path);
    }
    return bytes;
}

// The complete checkpoints under `root` (a run's checkpoints/), oldest first:
// "step-NNNNNN" directories; ".step-*.tmp-*" are a killed writer's and are left out.
inline std::vector<std::filesystem::path> complete_checkpoints(const std::filesystem::path & root) {
    std::vector<std::filesystem::path> steps;
    std::error_code ec;
    for (const auto & e : std::filesystem::directory_iterator(root, ec)) {
        const std::string name = e.path().filename().string();
        if (e.is_directory() && name.rfind("step-", 0) == 0 && name.find('.') == std::string::npos) steps.push_back(e.path());
    }
    std::sort(steps.begin(), steps.end());
    return steps;
}

}  // namespace ragppo::rl
