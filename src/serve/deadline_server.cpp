#include "deadline_server.h"

#include "api_error.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace ragppo::serve {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// poll() for `events` up to `wait` (at least 0); > 0 when ready, 0 on timeout, < 0 on error.
int wait_for(socket_t sock, short events, milliseconds wait) {
    pollfd p{sock, events, 0};
    const int ms = static_cast<int>(std::max<int64_t>(0, wait.count()));
    int r;
    do {
        r = ::poll(&p, 1, ms);
    } while (r < 0 && errno == EINTR);
    return r;
}

void address_of(socket_t sock, bool remote, std::string & ip, int & port) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    const int r = remote ? ::getpeername(sock, reinterpret_cast<sockaddr *>(&addr), &len)
                         : ::getsockname(sock, reinterpret_cast<sockaddr *>(&addr), &len);
    if (r != 0) return;
    char host[INET6_ADDRSTRLEN] = {};
    if (addr.ss_family == AF_INET) {
        const auto * a = reinterpret_cast<const sockaddr_in *>(&addr);
        ::inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        port = ntohs(a->sin_port);
    } else if (addr.ss_family == AF_INET6) {
        const auto * a = reinterpret_cast<const sockaddr_in6 *>(&addr);
        ::inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        port = ntohs(a->sin6_port);
    }
    ip = host;
}

milliseconds ms_of(time_t sec, time_t usec) { return milliseconds(sec * 1000 + usec / 1000); }

// Set when a read of the current request gave up at its deadline (one request at a
// time per thread: httplib serves a connection on one thread from start to end).
thread_local bool t_deadline_passed = false;

// httplib's socket stream (a read buffer the line reader scans, per-read and per-write
// timeouts) plus the request deadline, which bounds every read of the request.
class DeadlineStream final : public httplib::Stream {
  public:
    DeadlineStream(socket_t sock, milliseconds read_timeout, milliseconds write_timeout, milliseconds request_deadline,
                   const std::string & remote_ip, int remote_port, const std::string & local_ip, int local_port)
        : sock_(sock), read_timeout_(read_timeout), write_timeout_(write_timeout), deadline_(start_ + request_deadline),
          remote_ip_(remote_ip), local_ip_(local_ip), remote_port_(remote_port), local_port_(local_port) {
        t_deadline_passed = false;
    }

    bool is_readable() const override { return off_ < size_; }

    bool wait_readable() const override {
        if (is_readable()) return true;
        // Every read of the request is bound by the deadline, also those after a write:
        // httplib writes "100 Continue" before it reads a body, and reads a body the
        // handler left unread after the response. An SSE stream never reads.
        const auto left = std::chrono::duration_cast<milliseconds>(deadline_ - Clock::now());
        const milliseconds wait = std::min(read_timeout_, left);
        const int ready = wait.count() > 0 ? wait_for(sock_, POLLIN, wait) : 0;
        if (ready > 0) return true;
        if (ready == 0 && left <= read_timeout_) t_deadline_passed = true;
        return false;
    }

    bool wait_writable() const override { return wait_for(sock_, POLLOUT, write_timeout_) > 0; }

    // The client is still there: nothing to read, or data rather than the end of the stream.
    bool is_peer_alive() const override {
        const int r = wait_for(sock_, POLLIN, milliseconds(0));
        if (r == 0) return true;
        if (r < 0) return false;
        char c;
        return ::recv(sock_, &c, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
    }

    ssize_t read(char * ptr, size_t size) override {
        if (off_ < size_) {
            const size_t n = std::min(size, size_ - off_);
            std::memcpy(ptr, buf_.data() + off_, n);
            off_ += n;
            return static_cast<ssize_t>(n);
        }
        if (!wait_readable()) {
            error_ = httplib::Error::Timeout;
            return -1;
        }
        ssize_t n;
        do {
            n = ::recv(sock_, buf_.data(), buf_.size(), 0);
        } while (n < 0 && errno == EINTR);
        if (n <= 0) {
            error_ = n == 0 ? httplib::Error::ConnectionClosed : httplib::Error::Read;
            return n;
        }
        off_ = 0;
        size_ = static_cast<size_t>(n);
        return read(ptr, size);
    }

    ssize_t write(const char * ptr, size_t size) override {
        if (!wait_writable()) return -1;
        ssize_t n;
        do {
            n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
        } while (n < 0 && errno == EINTR);
        if (n > 0) written_ += static_cast<size_t>(n);
        return n;
    }

    size_t written() const { return written_; }

    const char * buffered_data(size_t & size) const override {
        size = size_ - off_;
        return size ? buf_.data() + off_ : nullptr;
    }
    void consume_buffered(size_t size) override { off_ += std::min(size, size_ - off_); }

    void get_remote_ip_and_port(std::string & ip, int & port) const override {
        ip = remote_ip_;
        port = remote_port_;
    }
    void get_local_ip_and_port(std::string & ip, int & port) const override {
        ip = local_ip_;
        port = local_port_;
    }
    socket_t socket() const override { return sock_; }
    time_t duration() const override {
        return std::chrono::duration_cast<milliseconds>(Clock::now() - start_).count();
    }
    void set_read_timeout(time_t sec, time_t usec) override { read_timeout_ = ms_of(sec, usec); }

  private:
    socket_t sock_;
    milliseconds read_timeout_, write_timeout_;
    const Clock::time_point start_ = Clock::now();  // declared before deadline_, which is counted from it
    const Clock::time_point deadline_;
    std::array<char, 4096> buf_{};
    size_t off_ = 0, size_ = 0;
    size_t written_ = 0;
    std::string remote_ip_, local_ip_;
    int remote_port_, local_port_;
};

// httplib gives up on a request line that does not arrive without answering; a client
// cut off by the deadline there still learns why.
void answer_request_timeout(DeadlineStream & strm, const std::string & message) {
    const std::string body = error_body(message, error_type_for_status(408));
    const std::string head = "HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
                             std::to_string(body.size()) + "\r\n\r\n";
    const std::string answer = head + body;
    strm.write(answer.data(), answer.size());
}

}  // namespace

std::string DeadlineServer::request_deadline_message() const {
    const long long seconds = std::chrono::duration_cast<std::chrono::seconds>(request_deadline_).count();
    return "the request did not arrive within the --request-timeout of " + std::to_string(seconds) + " s";
}

bool DeadlineServer::request_deadline_passed() { return t_deadline_passed; }

bool DeadlineServer::process_and_close_socket(socket_t sock) {
    std::string remote_ip, local_ip;
    int remote_port = 0, local_port = 0;
    address_of(sock, true, remote_ip, remote_port);
    address_of(sock, false, local_ip, local_port);
    const bool served = serve_guarded([&] {
        bool ok = false;
        for (size_t left = keep_alive_max_count_; left > 0; --left) {
            // The next request on this connection: its first byte within the keep-alive
            // timeout, checked in short steps so that a stopping server is noticed.
            const auto idle_until = Clock::now() + std::chrono::seconds(keep_alive_timeout_sec_);
            int ready = 0;
            while (svr_sock_ != INVALID_SOCKET && Clock::now() < idle_until) {
                ready = wait_for(sock, POLLIN, milliseconds(100));
                if (ready != 0) break;
            }
            if (ready <= 0) break;
            DeadlineStream strm(sock, ms_of(read_timeout_sec_, read_timeout_usec_),
                                ms_of(write_timeout_sec_, write_timeout_usec_), request_deadline_,
                                remote_ip, remote_port, local_ip, local_port);
            bool closed = false;
            ok = process_request(strm, remote_ip, remote_port, local_ip, local_port, left == 1, closed, nullptr);
            if (!ok && t_deadline_passed && strm.written() == 0) {
                // Counted and logged before it is written, as httplib logs every other
                // answer: a client that reads /metrics after its 408 finds it counted.
                const std::string message = request_deadline_message();
                if (on_request_line_timeout_) on_request_line_timeout_(message);
                answer_request_timeout(strm, message);
            }
            // A request cut off by its deadline ends the connection: its unread rest would
            // otherwise be read as the next request.
            if (!ok || closed || t_deadline_passed) break;
        }
        return ok;
    });
    // As httplib closes: stop sending, then read what the client still sends for a moment
    // (bounded), so that closing with unread data does not reset the connection before
    // the client has read our answer (a 413 while it is still uploading).
    ::shutdown(sock, SHUT_WR);
    std::array<char, 4096> drain;
    const auto drain_until = Clock::now() + milliseconds(100);
    for (size_t total = 0; total < (1u << 20) && Clock::now() < drain_until;) {
        if (wait_for(sock, POLLIN, std::chrono::duration_cast<milliseconds>(drain_until - Clock::now())) <= 0) break;
        const ssize_t n = ::recv(sock, drain.data(), drain.size(), MSG_DONTWAIT);
        if (n <= 0) break;
        total += static_cast<size_t>(n);
    }
    ::close(sock);
    return served;
}

}  // namespace ragppo::serve
