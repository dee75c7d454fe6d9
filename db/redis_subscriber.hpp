// RedisSubscriber: listening to Redis pub/sub channels.
//
//   subscriber.subscribe("revoked", [](std::string_view channel, std::string_view message) {...});
//
// A subscribed connection can do nothing but receive, so pub/sub gets its own
// connection (publishing is an ordinary RedisClient command). The link keeps
// itself up like any RedisConnection, and after every (re)connect all
// channels are subscribed again; messages published while it was down are
// lost, as they are for any Redis subscriber.
//
// Handlers run on the subscriber's executor, posted, never inside hiredis,
// so they may subscribe or close. One subscriber per event-loop thread, used
// only from that thread.
#pragma once

#include <asio/any_io_executor.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/redis_url.hpp"
#include "db/redis_connection.hpp"

namespace tern::db {

class RedisSubscriber {
 public:
  using Handler = std::function<void(std::string_view channel, std::string_view message)>;

  // Starts connecting at once (command_timeout in `options` is not used).
  RedisSubscriber(asio::any_io_executor executor, RedisUrl url, RedisOptions options = {});
  ~RedisSubscriber();  // close()
  RedisSubscriber(const RedisSubscriber&) = delete;
  RedisSubscriber& operator=(const RedisSubscriber&) = delete;

  // Subscribes now if connected, and again after every reconnect. Subscribing
  // to a channel again replaces its handler.
  void subscribe(std::string channel, Handler handler);

  // Stops listening and reconnecting; no handler runs afterwards.
  void close();

  bool connected() const { return connection_.ready(); }
  // Channels the server has confirmed on the current connection.
  std::size_t active_subscriptions() const { return connected() ? confirmed_ : 0; }
  std::uint64_t reconnects() const { return connection_.reconnects(); }

 private:
  void subscribe_all();
  void deliver(std::string_view channel, std::string_view message);
  static void on_message(redisAsyncContext* ac, void* reply, void* privdata);

  // shared_ptr: a handler may replace itself while it runs.
  std::map<std::string, std::shared_ptr<Handler>, std::less<>> handlers_;
  std::size_t confirmed_ = 0;
  std::shared_ptr<int> alive_ = std::make_shared<int>();  // see RedisConnection::alive_
  RedisConnection connection_;
};

}  // namespace tern::db
