#include "http/server.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <thread>

#include "core/log.hpp"
#include "core/random.hpp"
#include "core/thread_pool.hpp"
#include "http/client_address.hpp"
#include "http/response.hpp"

namespace tern::http {
namespace {

using asio::ip::tcp;
using namespace std::chrono_literals;

// SO_REUSEPORT is what lets every loop thread (and every cluster process)
// own an acceptor on the same port.
using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

// What a connection over a limit is told before it is closed; built by the
// same serializer as every other response, so its framing cannot drift.
// A TLS client could not read a plain answer: it is only closed.
void refuse(tcp::socket& socket, bool tls, int status, std::string_view code,
            std::string_view message) {
  if (tls) return;
  Response r;
  r.error(status, code, message);
  r.set_header("Retry-After", "1");
  std::string out;
  r.serialize(out, {});
  std::error_code ignored;
  socket.non_blocking(true, ignored);
  socket.write_some(asio::buffer(out), ignored);
}  // the socket is closed by its destructor

}  // namespace

struct Server::Loop {
  Loop(const Router& router, const ConnectionOptions& options)
      : context{router, options, false, nullptr, nullptr, {}, std::string(64 << 10, '\0'),
                {},     0,       {}},
        io(1),
        acceptor(io),
        ticker(io) {}

  // Declared first so it outlives the io_context: destroying the context
  // destroys suspended connection coroutines, which unregister from it.
  LoopContext context;
  asio::io_context io;
  tcp::acceptor acceptor;
  asio::steady_timer ticker;
  std::thread thread;
};

Server::Server(ServerOptions options, const Router& router, ThreadPool& pool)
    : options_(std::move(options)),
      router_(router),
      pool_(pool),
      slots_(options_.max_connections_per_address),
      request_id_prefix_(random_base64url(6)) {}

Server::~Server() {
  shutdown();
}

void Server::start() {
  tcp::endpoint endpoint(asio::ip::make_address(options_.host), options_.port);
  metrics::Metrics& registry = options_.metrics ? *options_.metrics : own_metrics_;
  if (registry.route_names().empty()) registry.set_route_names(router_.route_names());
  for (unsigned i = 0; i < std::max(1u, options_.threads); ++i) {
    auto loop = std::make_unique<Loop>(router_, options_.connection);
    loop->context.metrics = &registry.add_loop();
    loop->context.request_id_prefix = request_id_prefix_ + std::to_string(i) + "-";
    loop->context.tls.certificates = options_.tls;
    loop->acceptor.open(endpoint.protocol());
    loop->acceptor.set_option(tcp::acceptor::reuse_address(true));
    loop->acceptor.set_option(reuse_port(true));
    loop->acceptor.bind(endpoint);
    loop->acceptor.listen(asio::socket_base::max_listen_connections);
    // With port 0 the first bind picks the port; the others must share it.
    endpoint.port(loop->acceptor.local_endpoint().port());
    loops_.push_back(std::move(loop));
  }
  port_ = endpoint.port();
  for (auto& loop : loops_)
    loop->thread = std::thread([this, l = loop.get()] { run_loop(*l); });
}

namespace {
constexpr std::size_t kExpireBatch = 32;
}  // namespace

void Server::run_loop(Loop& loop) {
  log::buffer_this_thread(pool_);

  auto accept = [this, &loop]() -> asio::awaitable<void> {
    for (;;) {
      std::error_code ec;
      tcp::socket socket =
          co_await loop.acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (!loop.acceptor.is_open()) co_return;
        // Out of descriptors or memory: back off instead of spinning.
        log::warn("accept failed: " + ec.message());
        asio::steady_timer pause(loop.io, 50ms);
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      auto& counts = *loop.context.metrics;
      if (open_.load(std::memory_order_relaxed) >= options_.max_connections) {
        counts.refused_full.add();
        refuse(socket, options_.tls, 503, "too_many_connections", "connection limit reached");
        continue;
      }
      std::error_code peer_ec;
      auto peer = socket.remote_endpoint(peer_ec);
      if (peer_ec) continue;  // already gone
      // A trusted proxy carries everyone's connections: it is not one client.
      std::string peer_text = peer.address().to_string();
      std::string bucket = is_trusted_proxy(peer_text, options_.connection.trusted_proxies)
                               ? std::string()
                               : address_bucket(peer_text);
      if (!bucket.empty() && !slots_.take(bucket)) {
        counts.refused_address.add();
        refuse(socket, options_.tls, 429, "too_many_connections",
               "too many connections from your address");
        continue;
      }
      counts.accepted.add();
      open_.fetch_add(1, std::memory_order_relaxed);
      asio::co_spawn(
          loop.io,
          [this, &loop, s = std::move(socket),
           b = std::move(bucket)]() mutable -> asio::awaitable<void> {
            try {
              Connection connection(std::move(s), loop.context);
              co_await connection.run();
            } catch (const std::exception& e) {
              log::error(std::string("connection ended by an error: ") + e.what());
            }
            if (!b.empty()) slots_.give_back(b);
            open_.fetch_sub(1, std::memory_order_relaxed);
          },
          asio::detached);
    }
  };

  // The ticker enforces connection deadlines and hands log lines to the
  // pool; how late it wakes is the loop's lag.
  auto tick = [&loop]() -> asio::awaitable<void> {
    const auto& o = loop.context.options;
    auto shortest = std::min({o.header_timeout, o.idle_timeout, o.body_timeout});
    auto period = std::clamp<std::chrono::milliseconds>(shortest / 4, 10ms, 100ms);
    auto& counts = *loop.context.metrics;
    for (;;) {
      auto due = Connection::Clock::now() + period;
      loop.ticker.expires_at(due);
      std::error_code ec;
      co_await loop.ticker.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      auto now = Connection::Clock::now();
      auto lag = std::chrono::duration_cast<std::chrono::microseconds>(now - due);
      counts.lag.observe(lag);
      counts.lag_last_us.set(static_cast<std::uint64_t>(std::max<long long>(0, lag.count())));
      // Each expired connection then answers 408 and closes (some 10 µs
      // of work). Thousands due at once (a slowloris cut at its deadline)
      // would hold the loop for tens of milliseconds, so they are expired
      // kExpireBatch at a time, and the loop serves everyone else between
      // batches. expire_if_due never unlinks (the coroutine does, later),
      // so each pass may iterate; a pass starts over after the yield, and
      // connections already expired no longer count.
      for (;;) {
        std::size_t expired = 0;
        for (Connection* c : loop.context.connections)
          if (c->expire_if_due(now) && ++expired == kExpireBatch) break;
        if (expired < kExpireBatch) break;
        co_await asio::post(loop.io, asio::use_awaitable);
      }
      log::flush_this_thread();
    }
  };

  if (options_.hooks)
    loop.context.local = options_.hooks->loop_started(loop.io, *loop.context.metrics);
  asio::co_spawn(loop.io, accept, asio::detached);
  asio::co_spawn(loop.io, tick, asio::detached);
  auto run = [](auto&& runner) {
    for (;;) {
      try {
        runner();
        return;
      } catch (const std::exception& e) {
        log::error(std::string("event loop error: ") + e.what());
      }
    }
  };
  run([&] { loop.io.run(); });
  if (options_.hooks) {
    // Let the loop's services wind down (fail what is queued, let their
    // coroutines end) before anything they hold is destroyed.
    options_.hooks->loop_stopping(loop.context.local);
    loop.io.restart();
    run([&] { loop.io.run_for(200ms); });
    options_.hooks->loop_stopped(loop.context.local);
    loop.context.local = nullptr;
  }
  log::flush_this_thread_now();
}

void Server::shutdown() {
  if (stopped_ || loops_.empty()) return;
  stopped_ = true;

  for (auto& loop : loops_) {
    asio::post(loop->io, [l = loop.get()] {
      std::error_code ec;
      l->acceptor.close(ec);
      l->context.draining = true;
      for (Connection* c : l->context.connections)
        c->close_if_idle();
    });
  }
  // Wait for the requests in flight, but not forever. This runs on the main
  // thread, which may block.
  auto deadline = std::chrono::steady_clock::now() + options_.drain_timeout;
  while (open_.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  if (open_.load() > 0) {
    log::warn("drain timeout: closing " + std::to_string(open_.load()) + " connections");
    for (auto& loop : loops_)
      asio::post(loop->io, [l = loop.get()] {
        for (Connection* c : l->context.connections)
          c->force_close();
      });
    std::this_thread::sleep_for(50ms);
  }
  for (auto& loop : loops_) {
    asio::post(loop->io, [l = loop.get()] {
      l->ticker.cancel();
      l->io.stop();
    });
  }
  for (auto& loop : loops_)
    if (loop->thread.joinable()) loop->thread.join();
}

}  // namespace tern::http
