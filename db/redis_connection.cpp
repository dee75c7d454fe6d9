#include "db/redis_connection.hpp"

#include <hiredis/async.h>
#include <signal.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <vector>

#include "core/log.hpp"
#include "db/redis_adapter.hpp"

namespace tern::db {
namespace {

using Kind = RedisError::Kind;

std::string ms(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + " ms";
}

// hiredis 0.14 writes with write(2), not send(MSG_NOSIGNAL), so a write that
// races the server closing the connection raises SIGPIPE, whose default action
// kills the process. The server ignores SIGPIPE anyway (handlers/main.cpp);
// this makes sure for every program using Redis, unless it installed a handler.
void ignore_sigpipe_once() {
  static const bool done = [] {
    struct sigaction current {};
    if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL)
      std::signal(SIGPIPE, SIG_IGN);
    return true;
  }();
  (void)done;
}

// Why hiredis gave up on a context (its errstr), for a context it is freeing.
std::string io_error(const redisAsyncContext* ac) {
  return ac && ac->c.err ? std::string(ac->c.errstr) : "connection closed";
}

}  // namespace

void RedisConnection::AsyncFree::operator()(redisAsyncContext* ac) const {
  redisAsyncFree(ac);
}

RedisConnection::RedisConnection(asio::any_io_executor executor, RedisUrl url, RedisOptions options,
                                 std::string name, std::function<void()> on_ready)
    : executor_(executor),
      url_(std::move(url)),
      options_(options),
      name_(std::move(name)),
      on_ready_(std::move(on_ready)),
      resolver_(executor),
      timer_(executor),
      backoff_(options.backoff_min, options.backoff_max) {
  ignore_sigpipe_once();
}

RedisConnection::~RedisConnection() {
  close();
}

void RedisConnection::start() {
  if (state_ == State::idle) begin_attempt();
}

void RedisConnection::close() {
  if (state_ == State::closed) return;
  state_ = State::closed;
  ++attempt_;
  resolver_.cancel();
  timer_.cancel();
  drop(Kind::unavailable, "client closed");
}

bool RedisConnection::send(RedisCallback* fn, void* privdata, std::span<const std::string> args) {
  return ready() && queue(fn, privdata, args);
}

void RedisConnection::drop(RedisError::Kind kind, const std::string& why) {
  if (!context_) return;
  if (!dropped_) dropped_ = Dropped{kind, why};
  // reset() clears context_ before freeing, so nothing is sent on it any more.
  // The free happens now, or — when we are inside one of its callbacks — as
  // soon as that callback returns; either way on_context_gone() follows.
  context_.reset();
}

RedisError RedisConnection::lost_error(const redisAsyncContext* ac) const {
  if (dropped_) return {dropped_->kind, prefix() + dropped_->why};
  return {Kind::unavailable, prefix() + "connection lost: " + io_error(ac)};
}

RedisError RedisConnection::unavailable_error() const {
  if (state_ == State::closed) return {Kind::unavailable, prefix() + "client closed"};
  return {Kind::unavailable, prefix() + "not connected" +
                                 (last_error_.empty() ? " (connecting)" : ": " + last_error_)};
}

std::string RedisConnection::prefix() const {
  return name_ + " " + url_.endpoint() + ": ";
}

// An attempt: resolve (unless the host is an address), connect, handshake.
// The connect deadline covers all of it.
void RedisConnection::begin_attempt() {
  state_ = State::resolving;
  arm_timer(options_.connect_timeout);
  std::uint64_t attempt = ++attempt_;
  std::error_code ec;
  auto address = asio::ip::make_address(url_.host, ec);
  if (!ec) return connect(address.to_string());

  resolver_.async_resolve(
      url_.host, std::to_string(url_.port),
      [this, alive = std::weak_ptr<int>(alive_), attempt](
          std::error_code ec, asio::ip::tcp::resolver::results_type results) {
        if (alive.expired() || attempt != attempt_) return;
        if (ec || results.empty())
          return attempt_failed("cannot resolve " + url_.host + ": " + ec.message());
        // IPv4 first: "localhost" often lists ::1 first, where Redis may not listen.
        auto v4 = std::find_if(results.begin(), results.end(),
                               [](const auto& e) { return e.endpoint().address().is_v4(); });
        auto chosen = v4 != results.end() ? v4 : results.begin();
        connect(chosen->endpoint().address().to_string());
      });
}

void RedisConnection::connect(const std::string& ip) {
  state_ = State::connecting;
  redisAsyncContext* ac = redisAsyncConnect(ip.c_str(), url_.port);
  if (!ac) return attempt_failed("out of memory");
  if (ac->err) {
    std::string why = ac->errstr;
    redisAsyncFree(ac);
    return attempt_failed(why);
  }
  std::error_code ec;
  attach_asio_adapter(
      ac, executor_, [this](redisAsyncContext* gone) { on_context_gone(gone); }, ec);
  if (ec) {
    redisAsyncFree(ac);
    return attempt_failed("cannot watch the socket: " + ec.message());
  }
  context_.reset(ac);
  redisEnableKeepAlive(&ac->c);  // notices a peer that vanished from the network
  // No connect callback is needed: the handshake's queued commands ask for the
  // first write event, which is when hiredis learns how connect() went.
  handshake();
}

void RedisConnection::handshake() {
  if (!url_.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!url_.user.empty()) auth.push_back(url_.user);
    auth.push_back(url_.password);
    queue(&on_auth_reply, this, auth);
  }
  const std::array<std::string, 2> select{"SELECT", std::to_string(url_.db)};
  queue(&on_select_reply, this, select);
}

void RedisConnection::on_auth_reply(redisAsyncContext*, void* reply, void* privdata) {
  auto* r = static_cast<const redisReply*>(reply);
  if (!r) return;  // the context is being freed; on_context_gone() follows
  if (r->type == REDIS_REPLY_ERROR)
    static_cast<RedisConnection*>(privdata)->drop(Kind::unavailable,
                                                  "AUTH failed: " + std::string(r->str, r->len));
}

void RedisConnection::on_select_reply(redisAsyncContext*, void* reply, void* privdata) {
  auto* self = static_cast<RedisConnection*>(privdata);
  auto* r = static_cast<const redisReply*>(reply);
  if (!r || !self->context_) return;  // being freed (or AUTH failed just before)
  if (r->type == REDIS_REPLY_ERROR)
    return self->drop(Kind::unavailable, "SELECT " + std::to_string(self->url_.db) +
                                             " failed: " + std::string(r->str, r->len));
  self->became_ready();
}

void RedisConnection::became_ready() {
  state_ = State::ready;
  timer_.cancel();
  backoff_.reset();
  if (was_ready_) ++reconnects_;
  was_ready_ = true;
  if (outage_logged_) log::info(prefix() + "connected again");
  outage_logged_ = false;
  last_error_.clear();
  if (on_ready_) on_ready_();
}

// Every context ends here, whoever freed it. Its pending callbacks have all
// been answered (NULL replies) by now.
void RedisConnection::on_context_gone(redisAsyncContext* ac) {
  std::string why = dropped_ ? dropped_->why : io_error(ac);
  if (context_.get() == ac) context_.release();  // hiredis freed it by itself
  dropped_.reset();
  if (state_ == State::closed) return;
  if (state_ == State::ready) {
    log::warn(prefix() + "connection lost: " + why);
    outage_logged_ = true;
  }
  attempt_failed(why);
}

void RedisConnection::attempt_failed(const std::string& why) {
  last_error_ = why;
  if (!outage_logged_) log::warn(prefix() + "cannot connect: " + why);
  outage_logged_ = true;
  state_ = State::waiting;
  arm_timer(backoff_.next());
}

void RedisConnection::arm_timer(std::chrono::milliseconds after) {
  timer_.expires_after(after);
  timer_.async_wait([this, alive = std::weak_ptr<int>(alive_)](std::error_code ec) {
    if (ec || alive.expired()) return;
    // Re-armed after this wait had already completed: a stale wake-up.
    if (timer_.expiry() > asio::steady_timer::clock_type::now()) return;
    on_timer();
  });
}

void RedisConnection::on_timer() {
  switch (state_) {
    case State::resolving:
      ++attempt_;  // the answer, if it still comes, is for a finished attempt
      resolver_.cancel();
      return attempt_failed("resolving " + url_.host + " timed out after " +
                            ms(options_.connect_timeout));
    case State::connecting:
      return drop(Kind::unavailable, "connect timed out after " + ms(options_.connect_timeout));
    case State::waiting:
      return begin_attempt();
    case State::idle:
    case State::ready:
    case State::closed:
      return;
  }
}

bool RedisConnection::queue(RedisCallback* fn, void* privdata, std::span<const std::string> args) {
  if (!context_ || args.empty()) return false;
  // hiredis wants two parallel C arrays; most commands fit on the stack.
  constexpr std::size_t kOnStack = 8;
  std::array<const char*, kOnStack> argv_stack;
  std::array<std::size_t, kOnStack> len_stack;
  std::vector<const char*> argv_heap;
  std::vector<std::size_t> len_heap;
  const char** argv = argv_stack.data();
  std::size_t* len = len_stack.data();
  if (args.size() > kOnStack) {
    argv_heap.resize(args.size());
    len_heap.resize(args.size());
    argv = argv_heap.data();
    len = len_heap.data();
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    argv[i] = args[i].data();
    len[i] = args[i].size();
  }
  return redisAsyncCommandArgv(context_.get(), fn, privdata, static_cast<int>(args.size()), argv,
                               len) == REDIS_OK;
}

}  // namespace tern::db
