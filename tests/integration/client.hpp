// A deliberately simple blocking HTTP/1.1 client for the integration tests:
// raw bytes out, one framed response in, so tests can send exactly what they
// mean (pipelines, partial heads, bad syntax) and see exactly what came back.
#pragma once

#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/read_until.hpp>
#include <asio/write.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace tern::test {

struct HttpResponse {
  int status = 0;
  std::string reason;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class Client {
 public:
  explicit Client(std::uint16_t port) : socket_(io_) {
    socket_.connect({asio::ip::make_address("127.0.0.1"), port});
    socket_.set_option(asio::ip::tcp::no_delay(true));
    timeval tv{5, 0};  // no test may hang forever on a read
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  void send(const std::string& bytes) { asio::write(socket_, asio::buffer(bytes)); }

  // Sends `bytes` one at a time, `every` apart, for at most `at_most`; true
  // when a write failed because the server had closed the connection.
  bool trickle(std::string_view bytes, std::chrono::milliseconds every,
               std::chrono::milliseconds at_most) {
    auto start = std::chrono::steady_clock::now();
    for (char ch : bytes) {
      std::error_code ec;
      asio::write(socket_, asio::buffer(&ch, 1), ec);
      if (ec) return true;
      std::this_thread::sleep_for(every);
      if (std::chrono::steady_clock::now() - start > at_most) break;
    }
    return false;
  }

  // Reads one response; `head_only` for answers to HEAD (no body follows).
  HttpResponse read(bool head_only = false) {
    HttpResponse r;
    std::size_t n = asio::read_until(socket_, asio::dynamic_buffer(buffer_), "\r\n\r\n");
    std::string head = buffer_.substr(0, n);
    buffer_.erase(0, n);
    auto line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    r.status = std::stoi(status_line.substr(9, 3));
    r.reason = status_line.size() > 13 ? status_line.substr(13) : "";
    std::size_t pos = line_end + 2;
    while (pos < head.size() - 2) {
      auto end = head.find("\r\n", pos);
      std::string line = head.substr(pos, end - pos);
      auto colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (auto& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ')
        value.erase(0, 1);
      r.headers[name] += r.headers.count(name) && !r.headers[name].empty() ? ", " + value : value;
      pos = end + 2;
    }
    if (head_only || r.status < 200 || r.status == 204 || r.status == 304) return r;
    std::size_t length =
        std::stoul(r.header("content-length").empty() ? "0" : r.header("content-length"));
    if (buffer_.size() < length) {
      std::string more(length - buffer_.size(), '\0');
      asio::read(socket_, asio::buffer(more));
      buffer_ += more;
    }
    r.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return r;
  }

  HttpResponse request(const std::string& method, const std::string& target,
                       const std::string& body = "", const std::string& extra_headers = "") {
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: test\r\n" + extra_headers;
    if (!body.empty() || method == "POST" || method == "PUT")
      req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n" + body;
    send(req);
    return read(method == "HEAD");
  }

  // True when the server has closed the connection (EOF or reset), waiting up
  // to the socket's read timeout for it.
  bool closed_by_peer() {
    if (!buffer_.empty()) return false;
    char c;
    std::error_code ec;
    socket_.read_some(asio::buffer(&c, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

  asio::ip::tcp::socket& socket() { return socket_; }

 private:
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
  std::string buffer_;
};

}  // namespace tern::test
