// RedisConnection: one link to a Redis server that keeps itself up.
//
// It resolves the host (asynchronously; hiredis would block in getaddrinfo),
// connects, sends AUTH (when the URL has a password) and SELECT, and calls
// itself ready only when SELECT has answered. When the link goes — the server
// closed it, a handshake step failed, the connect deadline passed, or the
// owner gave up on it through drop() — the hiredis context is freed, which
// answers every pending callback with a NULL reply, and a new attempt follows
// after a backoff (core/backoff.hpp, the one PostgreSQL uses too: backoff_min
// doubling up to backoff_max, jittered; reset once ready). One
// steady_timer is both the connect deadline and the backoff.
//
// RedisClient and RedisSubscriber each own one; they send their commands
// through send() and never see the handshake. Everything runs on the
// connection's executor, which must be a single-threaded event loop; the
// connection must be destroyed (or closed) before its io_context. Creating
// one makes the process ignore SIGPIPE if nothing else handles it: hiredis
// writes with write(2), and a write racing a server's close would kill us.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "core/backoff.hpp"
#include "core/redis_url.hpp"
#include "db/redis_error.hpp"

struct redisAsyncContext;

namespace tern::db {

// hiredis's reply callback (redisCallbackFn): reply is a redisReply*, NULL
// when the context is being freed with the command still pending.
using RedisCallback = void(redisAsyncContext* ac, void* reply, void* privdata);

struct RedisOptions {
  std::chrono::milliseconds command_timeout{2'000};  // RedisClient: no reply → drop the link
  std::chrono::milliseconds connect_timeout{2'000};  // resolve + connect + AUTH + SELECT
  std::chrono::milliseconds backoff_min{50};
  std::chrono::milliseconds backoff_max{2'000};
};

class RedisConnection {
 public:
  // `name` prefixes log lines ("redis", "redis pub/sub"). `on_ready` runs each
  // time the link becomes ready, inside a hiredis callback: it may send(), but
  // must not close or destroy the connection.
  RedisConnection(asio::any_io_executor executor, RedisUrl url, RedisOptions options,
                  std::string name, std::function<void()> on_ready = {});
  ~RedisConnection();  // close()
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  void start();  // first connect; later ones happen by themselves
  void close();  // frees the context (pending callbacks get NULL), stops reconnecting

  bool ready() const { return state_ == State::ready && context_ != nullptr; }

  // Queues a command (binary-safe, args[0] is the command name) with its
  // callback; false when not ready or hiredis refuses (the context is being
  // freed), in which case `fn` will never be called.
  bool send(RedisCallback* fn, void* privdata, std::span<const std::string> args);

  // Gives up on the current link (a command timed out, say): pending callbacks
  // get NULL replies, and lost_error() then tells them `kind` and `why`.
  void drop(RedisError::Kind kind, const std::string& why);

  // For a pending command's callback that got a NULL reply from `ac`.
  RedisError lost_error(const redisAsyncContext* ac) const;
  // For a command that could not be sent at all.
  RedisError unavailable_error() const;

  const RedisUrl& url() const { return url_; }
  const RedisOptions& options() const { return options_; }
  const asio::any_io_executor& executor() const { return executor_; }
  const std::string& last_error() const { return last_error_; }  // empty while ready
  std::uint64_t reconnects() const { return reconnects_; }       // ready again after a loss

 private:
  enum class State { idle, resolving, connecting, ready, waiting, closed };
  struct AsyncFree {
    void operator()(redisAsyncContext* ac) const;
  };

  void begin_attempt();
  void connect(const std::string& ip);
  void handshake();
  bool queue(RedisCallback* fn, void* privdata, std::span<const std::string> args);
  std::string prefix() const;
  void became_ready();
  void on_context_gone(redisAsyncContext* ac);
  void attempt_failed(const std::string& why);
  void on_timer();
  void arm_timer(std::chrono::milliseconds after);

  static void on_auth_reply(redisAsyncContext* ac, void* reply, void* privdata);
  static void on_select_reply(redisAsyncContext* ac, void* reply, void* privdata);

  asio::any_io_executor executor_;
  const RedisUrl url_;
  const RedisOptions options_;
  const std::string name_;
  std::function<void()> on_ready_;

  // Owned, but hiredis frees a context by itself when its link fails; the
  // adapter's cleanup hook (on_context_gone) then lets go of it.
  std::unique_ptr<redisAsyncContext, AsyncFree> context_;
  struct Dropped {
    RedisError::Kind kind;
    std::string why;
  };
  std::optional<Dropped> dropped_;  // why drop() was called, for the NULL replies
  State state_ = State::idle;
  asio::ip::tcp::resolver resolver_;
  std::uint64_t attempt_ = 0;  // tells a stale resolve answer from the current one
  asio::steady_timer timer_;
  Backoff backoff_;
  std::string last_error_;
  bool outage_logged_ = false;  // one warning per outage, not one per attempt
  bool was_ready_ = false;
  std::uint64_t reconnects_ = 0;
  // Timer and resolver handlers may already be queued when the connection is
  // destroyed; they hold this weakly and do nothing once it has expired.
  std::shared_ptr<int> alive_ = std::make_shared<int>();
};

}  // namespace tern::db
