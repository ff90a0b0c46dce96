#include "hub/blob_fetch.h"
#include "hub/file_hash.h"
#include "hub/progress_bar.h"

#include "download.h"  // common_download_file_single

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace ragppo::hub {
namespace {

namespace fs = std::filesystem;

// Exclusive advisory lock, so two processes fetching the same blob do not append to
// the same partial file. Lock files live in <cache>/.locks/<folder>/ as the Python
// hub client keeps them, out of blobs/.
class BlobLock {
public:
    explicit BlobLock(const fs::path & path) {
        std::error_code ec;
        fs::create_directories(path.parent_path(), ec);
        fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0 || ::flock(fd_, LOCK_EX) != 0) throw Error("cannot lock " + path.string());
    }
    ~BlobLock() { ::close(fd_); }
    BlobLock(const BlobLock &) = delete;
    BlobLock & operator=(const BlobLock &) = delete;

private:
    int fd_ = -1;
};

void remove_quietly(const fs::path & p) {
    std::error_code ec;
    fs::remove(p, ec);
}

// Empty string when the file matches, else what was wrong.
std::string check_blob(const fs::path & file, const TreeEntry & entry) {
    const auto size = fs::file_size(file);
    if (size != entry.size) {
        return "size " + std::to_string(size) + " != expected " + std::to_string(entry.size);
    }
    const std::string got = entry.lfs ? file_sha256(file) : file_git_sha1(file);
    if (got != entry.oid) {
        return std::string(entry.lfs ? "sha256 " : "git-sha1 ") + got + " != expected " + entry.oid;
    }
    return "";
}

}  // namespace

fs::path fetch_blob(const HubContext & ctx, RepoType type, const std::string & repo, const fs::path & repo_dir,
                    const TreeEntry & entry, const std::string & url) {
    const fs::path blob = repo_dir / "blobs" / entry.oid;
    std::error_code ec;
    if (fs::is_regular_file(blob, ec)) return blob;

    BlobLock lock(repo_dir.parent_path() / ".locks" / repo_dir.filename() / (entry.oid + ".lock"));
    if (fs::is_regular_file(blob, ec)) return blob;  // another process finished it meanwhile

    const fs::path tmp = repo_dir / "blobs" / (entry.oid + ".unverified");
    DownloadProgress bar(entry.path, ctx.progress);
    common_download_opts opts;
    opts.bearer_token = ctx.token;
    opts.callback = &bar;
    // skip_etag: the name is the content hash, so an existing .unverified is simply re-checked
    const int status = common_download_file_single(url, tmp.string(), opts, /*skip_etag=*/true);
    if (status < 200 || status >= 400) {
        const std::string label = repo_label(type, repo);
        if (status < 0) {
            throw NetworkError("download of '" + entry.path + "' from " + label +
                               " failed (network error after retries; run again to resume)");
        }
        throw http_error(status, ctx, type, repo, label + ": file '" + entry.path + "' not found on " + ctx.endpoint);
    }

    if (const std::string bad = check_blob(tmp, entry); !bad.empty()) {
        remove_quietly(tmp);
        throw Error("checksum mismatch for '" + entry.path + "' of " + repo_label(type, repo) + " (" + bad +
                    "); the download was discarded");
    }
    fs::rename(tmp, blob, ec);
    if (ec) {
        remove_quietly(tmp);
        throw Error("cannot move " + tmp.string() + " into the Hub cache: " + ec.message());
    }
    return blob;
}

}  // namespace ragppo::hub
