// The server's TLS configuration: one OpenSSL context made from
// TERN_TLS_CERT and TERN_TLS_KEY, TLS 1.2 and 1.3 only, ALPN "http/1.1".
//
// reload() (on SIGHUP) builds a whole new context from the files and swaps
// it in; a certificate or key that does not load leaves the current one
// serving. Connections already open keep the context they began with (each
// SSL holds a reference to its SSL_CTX), new ones take the new one.
//
// Loops do not lock to find the current context: each keeps its own copy
// and compares generation() (one relaxed load per accepted connection),
// taking the lock only on the accept after a reload.
#pragma once

#include <asio/ssl/context.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

namespace tern::http {

struct TlsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class TlsCertificates {
 public:
  // Loads both files; throws TlsError naming the file and OpenSSL's reason.
  TlsCertificates(std::string cert_file, std::string key_file);

  // Loads the files again; throws TlsError (the current context stays).
  void reload();

  std::shared_ptr<asio::ssl::context> current() const;
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  // "CN=example.com, expires Jan  1 00:00:00 2027 GMT": for the log.
  std::string describe() const;

 private:
  std::string cert_file_, key_file_;
  mutable std::mutex mutex_;
  std::shared_ptr<asio::ssl::context> current_;
  std::atomic<std::uint64_t> generation_{0};
};

// A loop's cached copy of the current context.
struct TlsContextCache {
  const TlsCertificates* certificates = nullptr;  // null: the server speaks plain HTTP
  std::shared_ptr<asio::ssl::context> context;
  std::uint64_t generation = ~std::uint64_t{0};

  // The context for a connection accepted now.
  asio::ssl::context& get() {
    auto now = certificates->generation();
    if (now != generation) {
      context = certificates->current();
      generation = now;
    }
    return *context;
  }
};

}  // namespace tern::http
