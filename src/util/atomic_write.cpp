#include "util/atomic_write.h"

#include "ragppo.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace ragppo::util {
namespace {

std::function<void(std::string_view)> & hook_ref() {
    static std::function<void(std::string_view)> hook;
    return hook;
}
std::atomic<bool> g_rename_exchange{true};

std::string sys_error(const std::string & what, const fs::path & p) {
    return what + " " + p.string() + ": " + std::strerror(errno);
}

// Temp and backup names start with ".<target name>." so they sit hidden beside the target.
// (Appended rather than "." + name: GCC 12 warns falsely (-Wrestrict) on the latter.)
std::string hidden_name(const fs::path & target, const char * suffix) {
    std::string s(".");
    s += target.filename().string();
    s += suffix;
    return s;
}
std::string tmp_prefix(const fs::path & target) { return hidden_name(target, ".tmp-"); }
fs::path backup_path(const fs::path & target) { return target.parent_path() / hidden_name(target, ".old"); }

// Remove temp dirs of writers that died (their pid is gone); live writers keep theirs.
void remove_stale_temps(const fs::path & target) {
    const std::string prefix = tmp_prefix(target);
    std::error_code ec;
    for (const auto & entry : fs::directory_iterator(target.parent_path(), ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind(prefix, 0) != 0) continue;
        const long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
        if (pid == getpid()) continue;  // another thread of ours may be writing
        if (pid > 0 && (kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH)) continue;
        fs::remove_all(entry.path(), ec);
    }
}

void swap_in(const fs::path & tmp, const fs::path & target) {
    const fs::path parent = target.parent_path();
    if (!fs::exists(target)) {
        if (::rename(tmp.c_str(), target.c_str()) != 0) throw Error(sys_error("cannot rename " + tmp.string() + " to", target));
        fsync_path(parent);
        write_hook("swapped");
        return;
    }
    if (!fs::is_directory(target)) throw Error(target.string() + " exists and is not a directory");
    if (g_rename_exchange && ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) == 0) {
        // One atomic step: the old directory now lives under the temp name.
        fsync_path(parent);
        write_hook("swapped");
        fs::remove_all(tmp);
        return;
    }
    if (g_rename_exchange && errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) {
        throw Error(sys_error("cannot swap in", target));
    }
    // Fallback: recover_dir() restores the backup if we die between the two renames.
    const fs::path backup = backup_path(target);
    fs::remove_all(backup);
    if (::rename(target.c_str(), backup.c_str()) != 0) throw Error(sys_error("cannot move aside", target));
    write_hook("moved-aside");
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
        const std::string msg = sys_error("cannot rename " + tmp.string() + " to", target);
        ::rename(backup.c_str(), target.c_str());
        throw Error(msg);
    }
    fsync_path(parent);
    write_hook("swapped");
    fs::remove_all(backup);
}

}  // namespace

SyncedFile::SyncedFile(const fs::path & path) : path_(path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error(sys_error("cannot create", path));
}

SyncedFile::~SyncedFile() {
    if (fd_ >= 0) ::close(fd_);
}

void SyncedFile::write(const void * data, size_t n) {
    const char * p = static_cast<const char *>(data);
    while (n > 0) {
        const ssize_t w = ::write(fd_, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) throw Error(sys_error("cannot write", path_));
        p += w;
        n -= static_cast<size_t>(w);
    }
}

void SyncedFile::close() {
    if (::fsync(fd_) != 0) throw Error(sys_error("cannot sync", path_));
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) throw Error(sys_error("cannot close", path_));
}

void fsync_path(const fs::path & path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(sys_error("cannot open", path));
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    errno = err;
    // Some filesystems (FUSE, 9p, SMB mounts) cannot fsync a directory: the rename is then
    // as durable as they make it, and refusing to write there would help no one.
    const bool dir_sync_unsupported = (err == EINVAL || err == ENOTSUP) && fs::is_directory(path);
    if (rc != 0 && !dir_sync_unsupported) throw Error(sys_error("cannot sync", path));
}

}  // namespace ragppo::util

namespace ragppo {

void write_file_atomic(const std::string & path, const std::string & content) {
    using namespace util;
    const fs::path target = fs::absolute(path).lexically_normal();
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) throw Error("cannot create " + target.parent_path().string() + ": " + ec.message());
    static std::atomic<unsigned> counter{0};
    const fs::path tmp = target.parent_path() /
                         hidden_name(target, (".tmp-" + std::to_string(getpid()) + "-" + std::to_string(counter++)).c_str());
    try {
        SyncedFile out(tmp);
        out.write(content.data(), content.size());
        out.close();
        if (::rename(tmp.c_str(), target.c_str()) != 0) throw Error(sys_error("cannot replace", target));
    } catch (const Error & e) {
        fs::remove(tmp, ec);
        throw Error("cannot write " + target.string() + ": " + e.what());
    }
    fsync_path(target.parent_path());
}

}  // namespace ragppo

namespace ragppo::util {

void recover_dir(const fs::path & target) {
    const fs::path backup = backup_path(target);
    std::error_code ec;
    if (!fs::exists(backup, ec)) return;
    if (fs::exists(target, ec)) {
        fs::remove_all(backup, ec);  // the new directory made it in; the backup is stale
    } else if (::rename(backup.c_str(), target.c_str()) != 0) {
        throw Error(sys_error("cannot restore the previous index from", backup));
    }
}

void write_dir_atomically(const fs::path & target_in, const std::function<void(const fs::path &)> & fill) {
    const fs::path target = fs::absolute(target_in).lexically_normal();
    const fs::path parent = target.parent_path();
    std::error_code ec;
    fs::create_directories(parent, ec);
    if (ec) throw Error("cannot create " + parent.string() + ": " + ec.message());
    recover_dir(target);
    if (fs::exists(target, ec) && !fs::is_directory(target, ec)) {
        throw Error(target.string() + " exists and is not a directory");
    }
    remove_stale_temps(target);

    static std::atomic<unsigned> counter{0};
    const fs::path tmp = parent / (tmp_prefix(target) + std::to_string(getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(tmp);
    if (!fs::create_directory(tmp, ec)) throw Error("cannot create " + tmp.string() + ": " + ec.message());
    write_hook("tmp-created");
    try {
        fill(tmp);
        fsync_path(tmp);
        fsync_path(parent);
        write_hook("synced");
        swap_in(tmp, target);
    } catch (...) {
        fs::remove_all(tmp, ec);
        throw;
    }
}

void set_write_hook(std::function<void(std::string_view)> hook) { hook_ref() = std::move(hook); }

void write_hook(std::string_view stage) {
    if (hook_ref()) hook_ref()(stage);
}

void set_rename_exchange(bool enabled) { g_rename_exchange = enabled; }

}  // namespace ragppo::util
