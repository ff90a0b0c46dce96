// A local imitation of the Hugging Face Hub routes ragppo uses, served on 127.0.0.1 at
// a random port from a thread of the test process (llama.cpp's vendored cpp-httplib):
//   GET  api/{models|datasets}/{org}/{name}/revision/{rev}   -> {"sha", "siblings"}
//   GET  api/{models|datasets}/{org}/{name}/tree/{commit}    -> [{type, path, size, oid, lfs}]
//   HEAD/GET [datasets/]{org}/{name}/resolve/{commit}/{path} -> 302 to blobs/{n}
//   HEAD/GET blobs/{n}  (ETag, Content-Length, Accept-Ranges; honours Range)
#pragma once

#include "ragppo.h"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib { class Server; }

namespace ragppo::test {

struct MockFile {
    std::string path;
    std::string content;
    bool lfs = true;           // LFS: oid = sha256; else git blob sha1
    std::string claimed_oid;   // if set, the tree listing lies about the oid
};

std::string sha256_hex(const std::string & data);
std::string git_blob_sha1_hex(const std::string & data);

class MockHub {
public:
    MockHub();
    ~MockHub();
    MockHub(const MockHub &) = delete;
    MockHub & operator=(const MockHub &) = delete;

    std::string endpoint() const;  // "http://127.0.0.1:<port>/"
    void stop();                   // the port then refuses connections

    // Publish `files` as a new commit of `repo` and point `ref` (branch or tag) at it.
    // Returns the commit hash.
    std::string publish(RepoType type, const std::string & repo, const std::string & ref,
                        const std::vector<MockFile> & files);
    // Requests to `repo` without "Authorization: Bearer <token>" get 401.
    void require_token(const std::string & repo, const std::string & token);
    // The next full-body blob GET is cut (connection closed) after `n` bytes.
    void cut_next_body_after(size_t n);

    int requests() const { return requests_; }
    std::vector<std::string> range_headers() const;   // Range headers of blob GETs, in order
    std::vector<std::string> paths() const;           // every request as "METHOD path"
    std::vector<std::string> auth_headers() const;    // Authorization headers seen

private:
    struct Commit {
        std::vector<MockFile> files;
        std::map<std::string, size_t> blob_of;  // path -> index in blobs_
    };
    struct Repo {
        std::map<std::string, std::string> refs;  // ref -> commit
        std::map<std::string, Commit> commits;
        std::string token;
    };
    struct Blob { std::string content; std::string oid; };

    void routes();
    Repo * find_repo(const std::string & key);

    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    int port_ = 0;
    mutable std::mutex mu_;
    std::map<std::string, Repo> repos_;  // "models/org/name"
    std::vector<Blob> blobs_;
    size_t cut_after_ = 0;
    int commit_counter_ = 0;
    std::atomic<int> requests_{0};
    std::vector<std::string> ranges_, paths_, auths_;
};

}  // namespace ragppo::test
