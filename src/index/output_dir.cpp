#include "index/output_dir.h"

#include "index/manifest.h"
#include "ragppo.h"
#include "util/atomic_write.h"

#include <nlohmann/json.hpp>

#include <fstream>

namespace fs = std::filesystem;

namespace ragppo::index {

namespace {

// `inner` is `outer` or lies below it (component-wise, both absolute and normal).
bool is_within(const fs::path & inner, const fs::path & outer) {
    auto i = inner.begin();
    for (auto o = outer.begin(); o != outer.end(); ++o, ++i) {
        if (o->empty()) continue;  // a trailing separator
        if (i == inner.end() || *i != *o) return false;
    }
    return true;
}

}  // namespace

fs::path index_target(const std::string & dir) {
    if (dir.empty()) throw Error("no output directory for the index");
    fs::path p = fs::absolute(dir).lexically_normal();
    if (!p.has_filename()) p = p.parent_path();  // "idx/" and "." normalise with a trailing '/'
    if (p == p.root_path() || p.parent_path() == p) throw Error("cannot write an index over the root directory " + p.string());
    std::error_code ec;
    const fs::path cwd = fs::weakly_canonical(fs::current_path(ec), ec);
    const fs::path canon = fs::weakly_canonical(p, ec);
    if (!cwd.empty() && is_within(cwd, ec ? p : canon)) {
        throw Error("the index directory " + dir + " is the current directory or contains it; name a new subdirectory, e.g. " +
                    (fs::path(dir) / "index").lexically_normal().string());
    }
    if (fs::is_symlink(fs::symlink_status(p, ec))) {
        throw Error("the index directory " + p.string() + " is a symbolic link; give the directory it points to");
    }
    return p;
}

bool is_index_dir(const fs::path & dir) {
    std::ifstream in(dir / kManifestFile, std::ios::binary);
    if (!in) return false;
    try {
        const auto j = nlohmann::json::parse(in);
        return j.is_object() && j.value("format", std::string()) == "ragppo-index";
    } catch (const nlohmann::json::exception &) {
        return false;
    }
}

OutputState check_index_output(const fs::path & target, bool append) {
    util::recover_dir(target);  // a writer killed between its two renames left a backup: put it back first
    std::error_code ec;
    const auto st = fs::symlink_status(target, ec);
    if (!fs::exists(st)) {
        if (append) throw Error("cannot append: there is no index at " + target.string() + " (build it first, without --append)");
        return OutputState::Absent;
    }
    if (!fs::is_directory(st)) {
        throw Error(target.string() + " exists and is not an index directory; refusing to replace it (choose another directory)");
    }
    if (is_index_dir(target)) return OutputState::Index;
    const bool empty = fs::is_empty(target, ec);
    if (ec) throw Error("cannot read the directory " + target.string() + ": " + ec.message());
    if (empty && !append) return OutputState::Empty;
    if (empty) throw Error("cannot append: " + target.string() + " is an empty directory, not an index (build it first, without --append)");
    throw Error(target.string() + " is not empty and is not a ragppo index (no ragppo manifest.json); refusing to replace "
                "its files: choose a new or empty directory");
}

util::FileLock lock_index(const fs::path & target) {
    const fs::path parent = target.parent_path();
    std::error_code ec;
    fs::create_directories(parent, ec);
    if (ec) throw Error("cannot create " + parent.string() + ": " + ec.message());
    std::string name(".");  // (appended, not "." + name: GCC 12 warns falsely, -Wrestrict)
    name += target.filename().string();
    name += ".lock";
    return util::FileLock::acquire(parent / name, "index " + target.string());
}

}  // namespace ragppo::index
