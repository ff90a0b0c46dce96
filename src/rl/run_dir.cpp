#include "rl/run_dir.h"

#include "ragppo.h"
#include "util/atomic_write.h"

#include <nlohmann/json.hpp>

#include <fstream>

namespace fs = std::filesystem;

namespace ragppo::rl {

namespace {

constexpr const char * kMarkerFormat = "ragppo-ppo-run";

// The files and folders a run writes (ppo_run.h); --overwrite removes exactly these.
constexpr const char * kRunOutputs[] = {"config.json", "stats.jsonl", "samples.jsonl", "eval.json",
                                        "training.svg", "checkpoints", "model"};

bool json_file_has(const fs::path & path, std::initializer_list<const char *> keys, const char * format = nullptr) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    try {
        const auto j = nlohmann::json::parse(in);
        if (!j.is_object()) return false;
        for (const char * k : keys)
            if (!j.contains(k)) return false;
        return !format || j.value("format", std::string()) == format;
    } catch (const nlohmann::json::exception &) {
        return false;
    }
}

// Empty but for our own lock file (left by a run that failed before writing anything).
bool only_lock_file(const fs::path & dir) {
    std::error_code ec;
    for (const auto & e : fs::directory_iterator(dir, ec))
        if (e.path().filename() != kRunLock) return false;
    return !ec;
}

}  // namespace

bool is_run_dir(const fs::path & dir) {
    return json_file_has(dir / kRunMarker, {"format"}, kMarkerFormat) || json_file_has(dir / "config.json", {"ppo", "cli"});
}

RunDirState check_run_dir(const fs::path & dir, bool resume, bool overwrite) {
    if (dir.empty()) throw Error("PPO: no run directory");
    if (resume && overwrite) throw Error("--resume and --overwrite exclude each other");
    std::error_code ec;
    const auto st = fs::status(dir, ec);
    const std::string checkpoints = (dir / "checkpoints").string();
    if (!fs::exists(st)) {
        if (resume) throw Error("--resume: no checkpoint in " + checkpoints + " (" + dir.string() + " does not exist)");
        return RunDirState::Absent;
    }
    if (!fs::is_directory(st)) throw Error("the run directory " + dir.string() + " exists and is not a directory");
    if (is_run_dir(dir)) {
        if (!resume && !overwrite) {
            throw Error(dir.string() + " already holds a PPO run; continue it with --resume, replace it with --overwrite, "
                        "or choose another -o");
        }
        return RunDirState::Run;
    }
    if (only_lock_file(dir)) {
        if (resume) throw Error("--resume: no checkpoint in " + checkpoints + " (" + dir.string() + " is empty)");
        return RunDirState::Empty;
    }
    throw Error(dir.string() + " is not empty and is not a PPO run (no " + kRunMarker +
                "); refusing to write into it: choose a new or empty directory");
}

util::FileLock lock_run_dir(const fs::path & dir) { return util::FileLock::acquire(dir / kRunLock, "PPO run " + dir.string()); }

util::FileLock claim_run_dir(const fs::path & dir, bool resume, bool overwrite, bool locked) {
    check_run_dir(dir, resume, overwrite);  // before creating anything
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw Error("cannot create the run directory " + dir.string() + ": " + ec.message());
    util::FileLock lock = locked ? util::FileLock() : lock_run_dir(dir);
    const RunDirState state = check_run_dir(dir, resume, overwrite);  // another run may have started meanwhile
    if (resume) {
        if (!fs::exists(dir / kRunMarker)) util::write_file_atomic((dir / kRunMarker).string(),
                                                                   nlohmann::json{{"format", kMarkerFormat}, {"version", 1}}.dump() + "\n");
        return lock;
    }
    if (state == RunDirState::Run) {  // --overwrite: the old run's outputs go, nothing else
        for (const char * name : kRunOutputs) {
            fs::remove_all(dir / name, ec);
            if (ec) throw Error("--overwrite: cannot remove " + (dir / name).string() + ": " + ec.message());
        }
    }
    util::write_file_atomic((dir / kRunMarker).string(), nlohmann::json{{"format", kMarkerFormat}, {"version", 1}}.dump(1) + "\n");
    return lock;
}

}  // namespace ragppo::rl
