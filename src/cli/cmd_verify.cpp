// ragppo verify PATH...: the full integrity check of an index, a PPO run (every
// checkpoint in it) or one checkpoint: every byte of every file against the CRC-32C
// its manifest or state.json recorded. Loads check the same by default; this is the
// check to run after copying, or on what was loaded with --no-verify.
#include "cli/commands.h"
#include "ragppo/index.h"
#include "rl/checkpoint_files.h"
#include "util/available_memory.h"
#include "util/timer.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>

namespace ragppo::cli {

namespace {

namespace fs = std::filesystem;

void report_ok(const fs::path & path, const std::string & what, uint64_t bytes, double ms) {
    std::printf("OK %s: %s, %s checked in %.1f ms\n", path.string().c_str(), what.c_str(), util::format_bytes(static_cast<double>(bytes)).c_str(), ms);
}

void verify_index(const fs::path & dir) {
    const auto t0 = util::Clock::now();
    const IndexManifest m = index_read_manifest(dir.string());
    IndexLoadParams p;  // verify = true: sizes, CRC-32C of both files, then a full load and count check
    const auto store = vector_store_load(dir.string(), p);
    uint64_t bytes = 0;
    for (const auto & e : fs::directory_iterator(dir))
        if (e.is_regular_file() && e.path().filename() != "manifest.json") bytes += e.file_size();
    report_ok(dir, "index of " + std::to_string(vector_store_size(*store)) + " nodes (" + m.info.embed_model + ")", bytes,
              util::ms_since(t0));
}

void verify_checkpoint(const fs::path & dir) {
    const auto t0 = util::Clock::now();
    const auto state = rl::read_checkpoint_state(dir);
    const uint64_t bytes = rl::verify_checkpoint_files(dir, state);
    if (bytes == 0) {
        throw Error("checkpoint " + dir.string() + " records no checksums (written before they were): nothing to verify against");
    }
    report_ok(dir, "PPO checkpoint, step " + state.value("step", nlohmann::json(0)).dump(), bytes, util::ms_since(t0));
}

// Every complete checkpoint of a run ("step-NNNNNN"; ".step-*.tmp-*" are a killed writer's).
void verify_run(const fs::path & dir) {
    std::vector<fs::path> steps;
    for (const auto & e : fs::directory_iterator(dir / rl::kCheckpointsDir)) {
        const std::string name = e.path().filename().string();
        if (e.is_directory() && name.rfind("step-", 0) == 0 && name.find('.') == std::string::npos) steps.push_back(e.path());
    }
    if (steps.empty()) throw Error("run " + dir.string() + " has no checkpoint to verify");
    std::sort(steps.begin(), steps.end());
    for (const auto & s : steps) verify_checkpoint(s);
}

void verify_path(const fs::path & path) {
    if (fs::is_regular_file(path / "manifest.json")) return verify_index(path);
    if (fs::is_regular_file(path / rl::kCheckpointState)) return verify_checkpoint(path);
    if (fs::is_directory(path / rl::kCheckpointsDir)) return verify_run(path);
    throw Error(path.string() + " is not an index, a PPO run or a PPO checkpoint");
}

}  // namespace

void register_verify(CLI::App & app) {
    auto paths = std::make_shared<std::vector<std::string>>();
    auto * cmd = app.add_subcommand(
        "verify", "Check an index, a PPO run or a checkpoint in full: every file against its recorded CRC-32C (exit 1 "
                  "naming the first bad file)");
    cmd->add_option("path", *paths, "Index directory, PPO run directory (all its checkpoints) or one checkpoint")->required();
    cmd->callback([paths] {
        for (const auto & p : *paths) verify_path(p);
    });
}

}  // namespace ragppo::cli
