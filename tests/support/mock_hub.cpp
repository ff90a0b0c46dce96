#include "support/mock_hub.h"

#include <cpp-httplib/httplib.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <cstdio>
#include <stdexcept>

namespace ragppo::test {
namespace {

std::string digest_hex(const EVP_MD * md, const std::string & data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
    std::string s;
    char buf[3];
    for (unsigned int i = 0; i < len; ++i) {
        std::snprintf(buf, sizeof buf, "%02x", out[i]);
        s += buf;
    }
    return s;
}

void send_json(httplib::Response & res, int status, const nlohmann::json & j) {
    res.status = status;
    res.set_content(j.dump(), "application/json");
}

}  // namespace

std::string sha256_hex(const std::string & data) { return digest_hex(EVP_sha256(), data); }

std::string git_blob_sha1_hex(const std::string & data) {
    std::string header = "blob " + std::to_string(data.size());
    header.push_back('\0');
    return digest_hex(EVP_sha1(), header + data);
}

MockHub::MockHub() : server_(std::make_unique<httplib::Server>()) {
    routes();
    port_ = server_->bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("MockHub: cannot bind 127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    server_->wait_until_ready();
}

MockHub::~MockHub() { stop(); }

void MockHub::stop() {
    if (thread_.joinable()) {
        server_->stop();
        thread_.join();
    }
}

std::string MockHub::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }

std::string MockHub::publish(RepoType type, const std::string & repo, const std::string & ref,
                             const std::vector<MockFile> & files) {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string key = std::string(type == RepoType::Dataset ? "datasets/" : "models/") + repo;
    char commit[41];
    std::snprintf(commit, sizeof commit, "%032x%08x", 0xc0ffeeu, ++commit_counter_);
    Repo & r = repos_[key];
    Commit & c = r.commits[commit];
    c.files = files;
    for (const auto & f : files) {
        c.blob_of[f.path] = blobs_.size();
        blobs_.push_back({f.content, f.lfs ? sha256_hex(f.content) : git_blob_sha1_hex(f.content)});
    }
    r.refs[ref] = commit;
    return commit;
}

void MockHub::require_token(const std::string & repo, const std::string & token) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto & [key, r] : repos_) {
        if (key.substr(key.find('/') + 1) == repo) r.token = token;
    }
}

void MockHub::cut_next_body_after(size_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    cut_after_ = n;
}

std::vector<std::string> MockHub::range_headers() const {
    std::lock_guard<std::mutex> lock(mu_);
    return ranges_;
}
std::vector<std::string> MockHub::paths() const {
    std::lock_guard<std::mutex> lock(mu_);
    return paths_;
}
std::vector<std::string> MockHub::auth_headers() const {
    std::lock_guard<std::mutex> lock(mu_);
    return auths_;
}

MockHub::Repo * MockHub::find_repo(const std::string & key) {
    auto it = repos_.find(key);
    return it == repos_.end() ? nullptr : &it->second;
}

void MockHub::routes() {
    auto & s = *server_;
    s.set_pre_routing_handler([this](const httplib::Request & req, httplib::Response &) {
        ++requests_;
        std::lock_guard<std::mutex> lock(mu_);
        paths_.push_back(req.method + " " + req.path);
        if (req.has_header("Authorization")) auths_.push_back(req.get_header_value("Authorization"));
        return httplib::Server::HandlerResponse::Unhandled;
    });

    // Repo lookup + auth, shared by the API and resolve routes. Returns null after answering.
    auto open_repo = [this](const std::string & key, const httplib::Request & req, httplib::Response & res) -> Repo * {
        Repo * r = find_repo(key);
        if (!r) {
            send_json(res, 404, {{"error", "Repository not found"}});
            return nullptr;
        }
        if (!r->token.empty() && req.get_header_value("Authorization") != "Bearer " + r->token) {
            send_json(res, 401, {{"error", "Invalid credentials in Authorization header"}});
            return nullptr;
        }
        return r;
    };
    auto find_commit = [](Repo & r, const std::string & rev) -> std::string {
        if (r.commits.count(rev)) return rev;
        auto it = r.refs.find(rev);
        return it == r.refs.end() ? "" : it->second;
    };

    s.Get(R"(/api/(models|datasets)/([^/]+/[^/]+)/revision/(.+))", [=, this](const httplib::Request & req, httplib::Response & res) {
        std::lock_guard<std::mutex> lock(mu_);
        Repo * r = open_repo(std::string(req.matches[1]) + "/" + std::string(req.matches[2]), req, res);
        if (!r) return;
        const std::string commit = find_commit(*r, req.matches[3]);
        if (commit.empty()) return send_json(res, 404, {{"error", "Invalid rev id: " + std::string(req.matches[3])}});
        nlohmann::json siblings = nlohmann::json::array();
        for (const auto & f : r->commits[commit].files) siblings.push_back({{"rfilename", f.path}});
        send_json(res, 200, {{"id", std::string(req.matches[2])}, {"sha", commit}, {"siblings", siblings}});
    });

    s.Get(R"(/api/(models|datasets)/([^/]+/[^/]+)/tree/([0-9a-f]{40}))", [=, this](const httplib::Request & req, httplib::Response & res) {
        std::lock_guard<std::mutex> lock(mu_);
        Repo * r = open_repo(std::string(req.matches[1]) + "/" + std::string(req.matches[2]), req, res);
        if (!r) return;
        auto it = r->commits.find(req.matches[3]);
        if (it == r->commits.end()) return send_json(res, 404, {{"error", "Invalid rev id"}});
        nlohmann::json out = nlohmann::json::array();
        for (const auto & f : it->second.files) {
            const std::string real = f.lfs ? sha256_hex(f.content) : git_blob_sha1_hex(f.content);
            const std::string oid = f.claimed_oid.empty() ? real : f.claimed_oid;
            nlohmann::json e = {{"type", "file"}, {"path", f.path}, {"size", f.content.size()}};
            if (f.lfs) {
                e["oid"] = git_blob_sha1_hex("version https://git-lfs.github.com/spec/v1\noid sha256:" + oid);
                e["lfs"] = {{"oid", oid}, {"size", f.content.size()}, {"pointerSize", 134}};
            } else {
                e["oid"] = oid;
            }
            out.push_back(e);
        }
        send_json(res, 200, out);
    });

    auto resolve = [=, this](const std::string & key, const httplib::Request & req, httplib::Response & res) {
        std::lock_guard<std::mutex> lock(mu_);
        Repo * r = open_repo(key, req, res);
        if (!r) return;
        const std::string commit = find_commit(*r, req.matches[2]);
        if (commit.empty()) return send_json(res, 404, {{"error", "Invalid rev id"}});
        auto & blob_of = r->commits[commit].blob_of;
        auto it = blob_of.find(req.matches[3]);
        if (it == blob_of.end()) return send_json(res, 404, {{"error", "Entry not found"}});
        res.status = 302;
        res.set_header("Location", endpoint() + "blobs/" + std::to_string(it->second));
    };
    s.Get(R"(/datasets/([^/]+/[^/]+)/resolve/([^/]+)/(.+))", [=](const httplib::Request & req, httplib::Response & res) {
        resolve("datasets/" + std::string(req.matches[1]), req, res);
    });
    s.Get(R"(/([^/]+/[^/]+)/resolve/([^/]+)/(.+))", [=](const httplib::Request & req, httplib::Response & res) {
        resolve("models/" + std::string(req.matches[1]), req, res);
    });

    s.Get(R"(/blobs/(\d+))", [this](const httplib::Request & req, httplib::Response & res) {
        std::lock_guard<std::mutex> lock(mu_);
        const size_t i = std::stoul(req.matches[1]);
        if (i >= blobs_.size()) return send_json(res, 404, {{"error", "no such blob"}});
        auto content = std::make_shared<std::string>(blobs_[i].content);
        size_t cut = 0;
        if (req.method == "GET") {
            if (req.has_header("Range")) {
                ranges_.push_back(req.get_header_value("Range"));
            } else {
                std::swap(cut, cut_after_);  // only a full body is cut, and only once
            }
        }
        res.set_header("ETag", "\"" + blobs_[i].oid + "\"");
        res.set_header("Accept-Ranges", "bytes");
        // httplib slices the provider for Range requests (206 + Content-Range).
        res.set_content_provider(content->size(), "application/octet-stream",
            [content, cut](size_t offset, size_t length, httplib::DataSink & sink) {
                if (cut) {
                    sink.write(content->data() + offset, std::min(cut, length));
                    return false;  // drop the connection mid-body
                }
                sink.write(content->data() + offset, length);
                return true;
            });
    });
}

}  // namespace ragppo::test
