// ragppo verify PATH...: the full integrity check of an index, a PPO run (every
// checkpoint in it) or one checkpoint: every byte of every file against the CRC-32C
// its manifest or state.json recorded. Loads check the same by default; this is the
// check to run after copying, or on what was loaded with --no-verify.
#include "commands.h"
#include "ragppo/index.h"
#include "ragppo/rl.h"
#include "ragppo/util.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>

namespace ragppo::cli {

namespace {

namespace fs = std::filesystem;

void report_ok(const fs::path & path, const std::string & what, uint64_t bytes, double ms) {
    std::printf("OK %s: %s, %s checked in %.1f ms\n", path.string().c_str(), what.c_str(), format_bytes(static_cast<double>(bytes)).c_str(), ms);
}

void verify_index(const fs::path & dir) {
    const auto t0 = Clock::now();
    const IndexManifest m = index_read_manifest(dir.string());
    IndexLoadParams p;  // verify = true: sizes, CRC-32C of both files, then a full load and count check
    const auto store = vector_store_load(dir.string(), p);
    uint64_t bytes = 0;
    for (const auto & e : fs::directory_iterator(dir))
        if (e.is_regular_file() && e.path().filename() != "manifest.json") bytes += e.file_size();
    report_ok(dir, "index of " + std::to_string(vector_store_size(*store)) + " nodes (" + m.info.embed_model + ")", bytes,
              ms_since(t0));
}

void verify_checkpoint(const fs::path & dir) {
    const auto t0 = Clock::now();
    const CheckpointCheck check = ppo_checkpoint_verify(dir.string());
    report_ok(dir, "PPO checkpoint, step " + std::to_string(check.step), check.bytes, ms_since(t0));
}

void verify_run(const fs::path & dir) {
    const std::vector<std::string> steps = ppo_run_checkpoints(dir.string());
    if (steps.empty()) throw Error("run " + dir.string() + " has no checkpoint to verify");
    for (const auto & s : steps) verify_checkpoint(s);
}

void verify_path(const fs::path & path) {
    if (fs::is_regular_file(path / "manifest.json")) return verify_index(path);
    if (ppo_is_checkpoint(path.string())) return verify_checkpoint(path);
    if (ppo_is_run(path.string())) return verify_run(path);
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
