// One client connection, served request after request: cpp-httplib 0.11.4's own loop
// (process_and_close_socket), mirrored, with two of its faults mended.
//
// - 0.11.4 closes a connection only when the *request* says "Connection: close" (or the
//   keep-alive count runs out), whatever the answer says. A request refused before its body was
//   read (the guard's 401, 414 and 415; a route's 404; a chunked body stopped at max_body) left
//   that body on the connection, and the library parsed it as the next request: a request smuggled
//   past a proxy that reuses connections. Later versions drain such a body or close the connection
//   (upstream f3e9a4d, "Skip request body drain when connection will close"). Here every error
//   answer (4xx, 5xx) says "Connection: close" and closes its connection: after a malformed request
//   line or head nothing tells where the next request starts either, draining would read on for a
//   client that sent a body too large to take, and a well-behaved client meets few errors.
// - 0.11.4 reads each request through a new stream with its own read-ahead buffer, so bytes of
//   a pipelined next request read ahead with the first were dropped. One stream serves the whole
//   connection here.
// Waiting for a kept-alive connection's next request polls in slices (0.11.4 polled every
// millisecond), so that stop() is not kept waiting past a slice by an idle connection.
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>

#include "impl.hpp"

namespace dueday::service {

namespace {

// Whether the answer now being written closes its connection (set while it is written, on the
// thread serving the connection).
thread_local bool closing = false;

constexpr int idle_slice_ms = 50;

// A connected socket as a cpp-httplib Stream: reads buffered, each read and write bounded by its
// timeout (poll), writes without SIGPIPE.
class socket_stream final : public httplib::Stream {
 public:
  socket_stream(socket_t sock, std::chrono::microseconds read_timeout, std::chrono::microseconds write_timeout)
      : sock_(sock), read_ms_(millis(read_timeout)), write_ms_(millis(write_timeout)) {}

  bool is_readable() const override { return buffered() > 0 || wait(POLLIN, read_ms_); }
  bool is_writable() const override { return wait(POLLOUT, write_ms_); }

  ssize_t read(char* ptr, size_t size) override {
    if (buffered() == 0) {
      if (!wait(POLLIN, read_ms_)) return -1;
      ssize_t n = 0;
      do {
        n = ::recv(sock_, buffer_.data(), buffer_.size(), 0);
      } while (n < 0 && errno == EINTR);
      if (n <= 0) return n;
      begin_ = 0;
      end_ = static_cast<std::size_t>(n);
    }
    const std::size_t n = std::min(size, buffered());
    std::memcpy(ptr, buffer_.data() + begin_, n);
    begin_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!wait(POLLOUT, write_ms_)) return -1;
    ssize_t n = 0;
    do {
      n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { address(true, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { address(false, ip, port); }
  socket_t socket() const override { return sock_; }

  // Bytes read ahead and not yet handed out (a pipelined request's).
  [[nodiscard]] std::size_t buffered() const noexcept { return end_ - begin_; }
  // Whether the socket becomes readable within `ms` milliseconds.
  [[nodiscard]] bool readable_within(int ms) const { return wait(POLLIN, ms); }

 private:
  static int millis(std::chrono::microseconds t) {
    return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(t).count());
  }
  bool wait(short events, int ms) const {
    pollfd p{sock_, events, 0};
    int n = 0;
    do {
      n = ::poll(&p, 1, ms);
    } while (n < 0 && errno == EINTR);
    return n > 0 && (p.revents & (events | POLLHUP | POLLERR)) != 0;
  }
  void address(bool remote, std::string& ip, int& port) const {
    sockaddr_storage a{};
    socklen_t length = sizeof a;
    auto* at = reinterpret_cast<sockaddr*>(&a);
    if ((remote ? ::getpeername(sock_, at, &length) : ::getsockname(sock_, at, &length)) != 0) return;
    std::array<char, NI_MAXHOST> host{};
    std::array<char, NI_MAXSERV> service{};
    if (::getnameinfo(at, length, host.data(), host.size(), service.data(), service.size(),
                      NI_NUMERICHOST | NI_NUMERICSERV) != 0)
      return;
    ip = host.data();
    const std::string_view digits = service.data();
    (void)std::from_chars(digits.data(), digits.data() + digits.size(), port);
  }

  socket_t sock_;
  int read_ms_;
  int write_ms_;
  std::array<char, 4096> buffer_{};
  std::size_t begin_ = 0, end_ = 0;
};

}  // namespace

void http_server::before_writing(const httplib::Request& /*req*/, httplib::Response& res) {
  if (res.status >= 400 && res.get_header_value("Connection") != "close") {
    res.headers.erase("Keep-Alive");
    res.set_header("Connection", "close");
  }
  closing = res.get_header_value("Connection") == "close";
}

bool http_server::serve_request(httplib::Stream& strm, bool last, bool& closed,
                                const std::function<void(httplib::Request&)>& setup) {
  closing = false;
  const bool ok = process_request(strm, last, closed, setup);
  closed = closed || closing;
  return ok;
}

bool http_server::process_and_close_socket(socket_t sock) {
  using std::chrono::seconds, std::chrono::microseconds;
  socket_stream strm(sock, seconds(read_timeout_sec_) + microseconds(read_timeout_usec_),
                     seconds(write_timeout_sec_) + microseconds(write_timeout_usec_));
  bool ok = false;
  for (std::size_t count = keep_alive_max_count_; count > 0 && svr_sock_ != INVALID_SOCKET; --count) {
    // The next request: read ahead already, or within the keep-alive time (in slices, so a stopping
    // server is noticed).
    bool next = strm.buffered() > 0;
    for (time_t waited_ms = 0; !next && waited_ms <= keep_alive_timeout_sec_ * 1000; waited_ms += idle_slice_ms) {
      if (svr_sock_ == INVALID_SOCKET) break;
      next = strm.readable_within(idle_slice_ms);
    }
    if (!next) break;
    bool closed = false;
    ok = serve_request(strm, count == 1, closed);
    if (!ok || closed) break;
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

}  // namespace dueday::service
