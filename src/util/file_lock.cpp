#include "util/file_lock.h"

#include "ragppo.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace ragppo::util {

namespace {

// The pid the holder wrote, or "" when unreadable (it may be writing it right now).
std::string holder_pid(int fd) {
    char buf[32] = {0};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0) return "";
    std::string s(buf, static_cast<size_t>(n));
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s.find_first_not_of("0123456789") == std::string::npos ? s : "";
}

}  // namespace

FileLock FileLock::acquire(const std::filesystem::path & lock_file, const std::string & what) {
    const int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) throw Error("cannot open the lock file " + lock_file.string() + ": " + std::strerror(errno));
    int rc;
    do rc = ::flock(fd, LOCK_EX | LOCK_NB);
    while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        const int err = errno;
        const std::string pid = holder_pid(fd);
        ::close(fd);
        if (err == EWOULDBLOCK) {
            throw Error(what + " is being written by another ragppo process" + (pid.empty() ? "" : " (pid " + pid + ")") +
                        "; wait for it to finish");
        }
        throw Error("cannot lock " + lock_file.string() + ": " + std::strerror(err));
    }
    // Record who holds it, for the message the next writer prints.
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, pid.data(), pid.size(), 0);
    FileLock lock;
    lock.fd_ = fd;
    return lock;
}

FileLock::~FileLock() { release(); }

FileLock::FileLock(FileLock && o) noexcept : fd_(o.fd_) { o.fd_ = -1; }

FileLock & FileLock::operator=(FileLock && o) noexcept {
    if (this != &o) {
        release();
        fd_ = o.fd_;
        o.fd_ = -1;
    }
    return *this;
}

void FileLock::release() {
    if (fd_ < 0) return;
    ::close(fd_);  // closing the only descriptor drops the flock
    fd_ = -1;
}

}  // namespace ragppo::util
