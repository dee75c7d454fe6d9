// RedisClient: Redis commands from coroutines, many at once on one connection.
//
//   RedisReply r = co_await redis.command("GET", key);
//   if (r.is_nil()) ...; else use(r.as_string());
//
// One client per event-loop thread, used only from that thread. A command is
// handed to hiredis when awaited; hiredis buffers it and writes when the
// socket is writable, so the commands of one loop iteration leave in one
// write (pipelining falls out of the event loop). Redis answers in order, so
// the replies are matched to a FIFO of waiters, and each waiter resumes later
// on its own executor, never inside hiredis.
//
// Deadlines without a timer per command: the FIFO also records when each
// command was sent. The front is the one Redis must answer first, so a ticker
// (running only while commands are in flight) looks at the front alone; if it
// has waited longer than command_timeout, the connection is dropped and every
// pending command fails with `timeout`. That also catches a hung server (a
// SIGSTOP, a runaway script), where the socket stays open but nothing comes.
//
// Failures (see redis_error.hpp): an error reply is returned as a RedisReply;
// command() throws RedisError only when there is no reply — `unavailable`
// (not connected: it fails at once rather than queueing while Redis is down,
// so a handler answers 503 right away; or the link dropped with the command
// in flight; or the client is closed) and `timeout`. The connection comes back
// by itself (see redis_connection.hpp).
//
// Blocking commands (BLPOP...) would hold up everything behind them and trip
// the timeout; pub/sub lives in RedisSubscriber.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "core/completion.hpp"
#include "core/redis_url.hpp"
#include "db/redis_connection.hpp"
#include "db/redis_error.hpp"
#include "db/redis_reply.hpp"

namespace tern::db {

// What a command takes as an argument: bytes, or an integer (sent as text).
template <class T>
concept RedisArgument = std::is_integral_v<T> || std::is_convertible_v<const T&, std::string_view>;

class RedisClient {
 public:
  // Starts connecting at once. Construct it on its loop thread (or before the
  // loop runs); destroy it before its io_context.
  RedisClient(asio::any_io_executor executor, RedisUrl url, RedisOptions options = {});
  ~RedisClient();  // close()
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // The first argument is the command name; arguments are binary-safe
  // strings (anything convertible to std::string_view) or integers. They are
  // copied at the call, so temporaries are fine. Throws RedisError (no reply)
  // or std::invalid_argument (an empty command, or a pub/sub or MONITOR
  // command, which would take the connection out of request/reply mode).
  template <RedisArgument Name, RedisArgument... Args>
  asio::awaitable<RedisReply> command(const Name& name, const Args&... args) {
    return command(std::vector<std::string>{to_argument(name), to_argument(args)...});
  }
  // g++ 12 rejects a braced list anywhere inside a co_await expression
  // ("array used as initializer"), so with it this form must be awaited
  // separately: `auto get = redis.command({"GET", key}); co_await std::move(get);`.
  asio::awaitable<RedisReply> command(std::initializer_list<std::string_view> args);
  asio::awaitable<RedisReply> command(std::vector<std::string> args);

  // Throws RedisError unless the server answers PONG.
  asio::awaitable<void> ping();

  // Fails the pending commands (unavailable), stops reconnecting and frees the
  // connection; afterwards commands fail at once, and the io_context can run
  // out of work.
  void close();

  bool connected() const { return connection_.ready(); }
  std::size_t in_flight() const { return in_flight_.size(); }
  std::uint64_t commands_sent() const { return commands_sent_; }
  std::uint64_t reconnects() const { return connection_.reconnects(); }
  // Why the last connection attempt failed; empty while connected.
  const std::string& last_error() const { return connection_.last_error(); }

 private:
  template <class T>
  static std::string to_argument(const T& value) {
    if constexpr (std::is_convertible_v<const T&, std::string_view>)
      return std::string(std::string_view(value));
    else
      return std::to_string(value);
  }

  using Clock = std::chrono::steady_clock;
  using Outcome = std::variant<RedisReply, RedisError>;
  struct InFlight {
    Completion<Outcome> done;
    Clock::time_point sent;
  };

  void send(std::span<const std::string> args, Completion<Outcome> done);
  static void on_reply(redisAsyncContext* ac, void* reply, void* privdata);
  void arm_ticker();
  void on_tick();

  RedisConnection connection_;
  std::deque<InFlight> in_flight_;  // in the order Redis will answer
  asio::steady_timer ticker_;
  bool ticking_ = false;
  std::uint64_t commands_sent_ = 0;
  std::shared_ptr<int> alive_ = std::make_shared<int>();  // see RedisConnection::alive_
};

}  // namespace tern::db
