// TLS on a connection's own non-blocking socket, driven the way nginx
// drives OpenSSL: SSL_read, SSL_write and SSL_do_handshake straight on the
// descriptor. Each call either makes progress or reports would_block and
// which readiness it waits for (want()); the connection then awaits the
// socket that way and calls again, exactly as it does for plain reads.
//
// Why not asio::ssl::stream: its operations read through memory BIOs into
// buffers of its own (two of ~17 KiB per connection), and an asynchronous
// read must target a buffer the connection owns while it waits. Driving
// the descriptor directly keeps tern's plain-HTTP shape: a connection reads
// only when the socket is ready, into its loop's shared buffer, and an idle
// TLS connection holds no record buffers (SSL_MODE_RELEASE_BUFFERS).
//
// OpenSSL's error queue is per thread and shared by every connection of a
// loop, so each call starts by clearing it: a stale error must not be read
// as this connection's.
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <memory>
#include <string_view>
#include <system_error>

namespace tern::http {

class TlsStream {
 public:
  enum class Want { read, write };

  // Throws std::bad_alloc if OpenSSL cannot make the session.
  TlsStream(SSL_CTX* context, int fd);

  // Each returns what it did; ec is would_block (see want()), eof when the
  // peer closed (close_notify or a bare FIN), or an SSL error.
  void handshake(std::error_code& ec);
  std::size_t read(char* data, std::size_t size, std::error_code& ec);
  std::size_t write(const char* data, std::size_t size, std::error_code& ec);
  // Sends close_notify if the socket takes it now; never waits.
  void shutdown();

  Want want() const { return want_; }
  // The handshake failed because the client spoke plain HTTP to this port.
  bool plain_http_seen() const { return plain_http_; }
  // "TLSv1.3", the negotiated ALPN protocol (empty if none was offered).
  std::string_view version() const;
  std::string_view alpn() const;

 private:
  std::error_code failed(int result);

  std::unique_ptr<SSL, decltype(&SSL_free)> ssl_;
  Want want_ = Want::read;
  bool plain_http_ = false;
};

}  // namespace tern::http
