// Advisory write locks (flock) so two ragppo processes never write the same index
// or PPO run at once: the second one fails at once with a one-line error naming
// the holder's pid, instead of silently losing the first one's update.
#pragma once

#include <filesystem>
#include <string>

namespace ragppo::util {

class FileLock {
public:
    FileLock() = default;
    // Takes an exclusive flock on `lock_file` (created if absent; it is never deleted,
    // since deleting a lock file races with the next locker). On success the file holds
    // our pid. If another process holds it, throws ragppo::Error:
    // "<what> is being written by another ragppo process (pid N)".
    static FileLock acquire(const std::filesystem::path & lock_file, const std::string & what);
    ~FileLock();
    FileLock(FileLock && o) noexcept;
    FileLock & operator=(FileLock && o) noexcept;
    FileLock(const FileLock &) = delete;
    FileLock & operator=(const FileLock &) = delete;
    bool held() const { return fd_ >= 0; }
    void release();

private:
    int fd_ = -1;
};

}  // namespace ragppo::util
