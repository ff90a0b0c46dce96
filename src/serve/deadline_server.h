// httplib's Server with one more limit: a whole request (request line, headers, body)
// must arrive within a deadline. httplib times each read (--timeout), so a client
// sending a byte just often enough (slowloris) holds a handler thread for as long as it
// likes; here it is cut off when the deadline passes. The deadline runs from the first
// byte of each request on a connection (time idle between keep-alive requests is not
// counted) and bounds every read of that request; writing the answer is not limited by
// it (a long SSE stream reads nothing).
//
// httplib lets a server replace how a connection is served (SSLServer does): this one
// serves it as httplib does, through a socket stream of its own that knows the deadline.
#pragma once

#include <cpp-httplib/httplib.h>

#include <chrono>
#include <functional>
#include <string>

namespace ragppo::serve {

class DeadlineServer : public httplib::Server {
  public:
    explicit DeadlineServer(std::chrono::milliseconds request_deadline) : request_deadline_(request_deadline) {}

    // True on the thread serving a request whose deadline passed before all of it had
    // arrived. Past the request line httplib then answers 400 with no body, which the
    // server's error handler (same thread, before the answer is written) makes a 408;
    // within the request line httplib answers nothing, and this server writes the 408.
    static bool request_deadline_passed();

    // The one-line message of a 408: the request did not arrive within the deadline.
    std::string request_deadline_message() const;

    // Told of each 408 this server writes itself (a request line cut off by the deadline:
    // httplib's logger never sees that request), with the message it sent, so that it is
    // logged and counted like every other answer.
    using TimeoutObserver = std::function<void(const std::string & message)>;
    void set_request_line_timeout_observer(TimeoutObserver f) { on_request_line_timeout_ = std::move(f); }

  private:
    bool process_and_close_socket(socket_t sock) override;

    std::chrono::milliseconds request_deadline_;
    TimeoutObserver on_request_line_timeout_;
};

}  // namespace ragppo::serve
