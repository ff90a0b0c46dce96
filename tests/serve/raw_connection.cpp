#include "serve/raw_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace ragppo::test {

RawConnection::RawConnection(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && connect(fd_, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0;
}

RawConnection::~RawConnection() {
    if (fd_ >= 0) close(fd_);
}

// MSG_NOSIGNAL: a write into a socket the server closed is an error here, not SIGPIPE.
bool RawConnection::send_byte(char c) { return ::send(fd_, &c, 1, MSG_NOSIGNAL) == 1; }

void RawConnection::send_until_answered(const std::string & data) {
    size_t at = 0;
    while (at < data.size()) {
        pollfd p{fd_, POLLIN | POLLOUT, 0};
        if (poll(&p, 1, 30000) <= 0 || (p.revents & (POLLIN | POLLERR | POLLHUP))) return;
        const ssize_t n = ::send(fd_, data.data() + at, std::min<size_t>(64 << 10, data.size() - at), MSG_NOSIGNAL);
        if (n <= 0) return;
        at += static_cast<size_t>(n);
    }
}

bool RawConnection::wait_closed(std::chrono::seconds limit, std::string & got) {
    timeval tv{static_cast<time_t>(limit.count()), 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[4096];
    for (;;) {
        const ssize_t n = recv(fd_, buf, sizeof buf, 0);
        if (n > 0) {
            got.append(buf, static_cast<size_t>(n));
            continue;
        }
        return n == 0 || errno == ECONNRESET;  // EAGAIN: the limit passed with the socket open
    }
}

bool RawConnection::peer_closed() const {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0) return false;
    char c;
    const ssize_t n = recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno == ECONNRESET);
}

}  // namespace ragppo::test
