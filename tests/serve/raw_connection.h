// A raw TCP connection to a test server on 127.0.0.1, for clients that misbehave on
// the wire (httplib's client always sends whole requests, at full speed).
#pragma once

#include <chrono>
#include <string>

namespace ragppo::test {

class RawConnection {
public:
    explicit RawConnection(int port);
    ~RawConnection();
    RawConnection(const RawConnection &) = delete;
    RawConnection & operator=(const RawConnection &) = delete;

    bool connected() const { return connected_; }
    bool send_byte(char c);
    // Sends `data` until it is all sent, the server answers, or it closes, as curl does:
    // a server refusing a request early answers before reading the rest.
    void send_until_answered(const std::string & data);
    // Waits up to `limit` for the server to close (EOF or reset); false if it is still
    // open then. What the server sent before closing is appended to `got`.
    bool wait_closed(std::chrono::seconds limit, std::string & got);
    // The server has closed (or reset) this connection; looks without waiting or reading.
    bool peer_closed() const;

private:
    int fd_ = -1;
    bool connected_ = false;
};

}  // namespace ragppo::test
