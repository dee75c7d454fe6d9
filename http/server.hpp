// The server: N event-loop threads, each with its own io_context and its own
// SO_REUSEPORT acceptor on the same port, so the kernel spreads connections
// and a connection never leaves the thread that accepted it. Nothing is shared
// between loops but the router (read-only) and one atomic connection count.
//
// shutdown() drains: acceptors close, idle connections close, requests in
// flight finish and are answered with "Connection: close"; whatever is still
// open after the drain timeout is cut off.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>

#include "core/metrics.hpp"
#include "http/address_slots.hpp"
#include "http/connection.hpp"
#include "http/router.hpp"
#include "http/tls_context.hpp"

namespace tern {
class ThreadPool;
}

namespace tern::http {

// Per-loop state of the layers above http/ (database pools, for one). All
// three run on the loop's own thread.
class LoopHooks {
 public:
  virtual ~LoopHooks() = default;
  // Before the loop serves its first connection; returns what the loop's
  // requests carry as Request::loop (owned by the hooks; may be null).
  // `metrics` is the loop's own block, for the hooks' services to fill.
  virtual LoopLocal* loop_started(asio::io_context& io, metrics::LoopMetrics& metrics) = 0;
  // After the drain: close what the loop owns. The loop then runs a little
  // longer (bounded) so that closing can finish its asynchronous work.
  virtual void loop_stopping(LoopLocal* local) = 0;
  // Last call before the loop's io_context is destroyed: free what it owns.
  virtual void loop_stopped(LoopLocal* local) = 0;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 picks a free port (see Server::port)
  unsigned threads = 1;
  std::size_t max_connections = 10000;
  std::size_t max_connections_per_address = 256;  // IPv6: per /64
  std::chrono::milliseconds drain_timeout{10'000};
  ConnectionOptions connection;
  LoopHooks* hooks = nullptr;  // must outlive the server
  // Where the loops' counters are registered (one block per loop, added by
  // start()); must outlive the server. Null: the server keeps its own.
  metrics::Metrics* metrics = nullptr;
  // Non-null: every connection speaks TLS with the current context of
  // these certificates (must outlive the server). Null: plain HTTP.
  const TlsCertificates* tls = nullptr;
};

class Server {
 public:
  // `pool` receives the loops' log batches; it must outlive the loop threads.
  Server(ServerOptions options, const Router& router, ThreadPool& pool);
  ~Server();  // shuts down if still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every acceptor and starts the loop threads. Throws std::system_error
  // when the address cannot be bound.
  void start();
  std::uint16_t port() const { return port_; }

  // Drains and stops; returns once every loop thread has ended. Safe to call
  // from any thread but a loop thread, and more than once.
  void shutdown();

  std::size_t open_connections() const { return open_.load(std::memory_order_relaxed); }

 private:
  struct Loop;
  void run_loop(Loop& loop);

  ServerOptions options_;
  const Router& router_;
  ThreadPool& pool_;
  std::vector<std::unique_ptr<Loop>> loops_;
  std::atomic<std::size_t> open_{0};
  metrics::Metrics own_metrics_;
  AddressSlots slots_;
  std::string request_id_prefix_;  // random per process: ids of two processes never meet
  std::uint16_t port_ = 0;
  bool stopped_ = false;
};

}  // namespace tern::http
