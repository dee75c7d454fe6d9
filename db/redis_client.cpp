#include "db/redis_client.hpp"

#include <hiredis/async.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace tern::db {
namespace {

using namespace std::chrono_literals;

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

// After these, hiredis 0.14 (or Redis) stops answering one reply per command,
// and the FIFO of waiters would no longer line up with the replies.
bool leaves_request_reply(std::string_view name) {
  for (std::string_view c : {"subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe",
                             "sunsubscribe", "monitor"})
    if (equal_ignoring_case(name, c)) return true;
  return false;
}

}  // namespace

RedisClient::RedisClient(asio::any_io_executor executor, RedisUrl url, RedisOptions options)
    : connection_(executor, std::move(url), options, "redis"), ticker_(executor) {
  connection_.start();
}

RedisClient::~RedisClient() {
  // Here, not in the members' destructors: freeing the context calls
  // on_reply() for every pending command, which needs in_flight_ intact.
  close();
}

void RedisClient::close() {
  connection_.close();
  ticker_.cancel();
}

asio::awaitable<RedisReply> RedisClient::command(std::initializer_list<std::string_view> args) {
  // Not a coroutine: the arguments are copied before the caller's temporaries go.
  return command(std::vector<std::string>(args.begin(), args.end()));
}

asio::awaitable<RedisReply> RedisClient::command(std::vector<std::string> args) {
  if (args.empty()) throw std::invalid_argument("redis: empty command");
  if (leaves_request_reply(args[0]))
    throw std::invalid_argument("redis: " + args[0] +
                                " would leave request/reply mode; pub/sub is RedisSubscriber's");
  // Named before co_await (see docs/ARCHITECTURE.md, "A compiler pitfall").
  auto start = [this, &args](Completion<Outcome> done) { send(args, std::move(done)); };
  Outcome outcome = co_await async_completion<Outcome>(std::move(start));
  if (auto* error = std::get_if<RedisError>(&outcome)) throw *error;
  co_return std::get<RedisReply>(std::move(outcome));
}

asio::awaitable<void> RedisClient::ping() {
  RedisReply reply = co_await command("PING");
  if (reply.as_string() != "PONG")
    throw RedisError(RedisError::Kind::reply_error, "redis: PING answered " + reply.describe());
}

void RedisClient::send(std::span<const std::string> args, Completion<Outcome> done) {
  // hiredis only buffers here; it never calls on_reply() from inside send().
  if (!connection_.send(&on_reply, this, args))
    return done.complete(connection_.unavailable_error());
  in_flight_.push_back({std::move(done), Clock::now()});
  ++commands_sent_;
  if (!ticking_) arm_ticker();
}

// hiredis calls back in command order: with each reply as it comes, or with
// NULL for every command still pending when the context is freed.
void RedisClient::on_reply(redisAsyncContext* ac, void* reply, void* privdata) {
  auto& self = *static_cast<RedisClient*>(privdata);
  Completion<Outcome> done = std::move(self.in_flight_.front().done);
  self.in_flight_.pop_front();
  if (reply)
    done.complete(RedisReply::from(*static_cast<const redisReply*>(reply)));
  else
    done.complete(self.connection_.lost_error(ac));
}

void RedisClient::arm_ticker() {
  auto period =
      std::clamp<std::chrono::milliseconds>(connection_.options().command_timeout / 4, 10ms, 100ms);
  ticking_ = true;
  ticker_.expires_after(period);
  ticker_.async_wait([this, alive = std::weak_ptr<int>(alive_)](std::error_code ec) {
    if (alive.expired()) return;
    ticking_ = false;
    if (!ec) on_tick();
  });
}

void RedisClient::on_tick() {
  if (in_flight_.empty()) return;  // idle: the ticker rests until the next command
  auto timeout = connection_.options().command_timeout;
  if (Clock::now() - in_flight_.front().sent > timeout) {
    // Fails everything in flight, synchronously (we are not inside hiredis).
    connection_.drop(RedisError::Kind::timeout,
                     "no reply within " + std::to_string(timeout.count()) + " ms");
  }
  if (!in_flight_.empty()) arm_ticker();
}

}  // namespace tern::db
