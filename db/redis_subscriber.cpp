#include "db/redis_subscriber.hpp"

#include <hiredis/async.h>

#include <asio/post.hpp>

#include <array>
#include <vector>

namespace tern::db {

RedisSubscriber::RedisSubscriber(asio::any_io_executor executor, RedisUrl url, RedisOptions options)
    : connection_(executor, std::move(url), options, "redis pub/sub", [this] { subscribe_all(); }) {
  connection_.start();
}

RedisSubscriber::~RedisSubscriber() {
  close();
}

void RedisSubscriber::close() {
  handlers_.clear();  // deliveries already posted find no handler
  connection_.close();
}

void RedisSubscriber::subscribe(std::string channel, Handler handler) {
  auto [it, fresh] =
      handlers_.insert_or_assign(channel, std::make_shared<Handler>(std::move(handler)));
  if (!fresh) return;
  const std::array<std::string, 2> command{"SUBSCRIBE", it->first};
  connection_.send(&on_message, this, command);  // when not connected: at the next connect
}

// Runs inside hiredis, each time the connection becomes ready.
void RedisSubscriber::subscribe_all() {
  confirmed_ = 0;
  if (handlers_.empty()) return;
  std::vector<std::string> command{"SUBSCRIBE"};
  for (const auto& entry : handlers_)
    command.push_back(entry.first);
  connection_.send(&on_message, this, command);
}

// hiredis routes every message of a subscribed channel here (and, while
// freeing the context, a NULL per channel, which needs nothing).
void RedisSubscriber::on_message(redisAsyncContext*, void* reply, void* privdata) {
  auto* self = static_cast<RedisSubscriber*>(privdata);
  auto* r = static_cast<const redisReply*>(reply);
  if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 3) return;
  auto text = [r](std::size_t i) {
    const redisReply* e = r->element[i];
    return e->type == REDIS_REPLY_STRING ? std::string_view(e->str, e->len) : std::string_view();
  };
  if (text(0) == "message")
    self->deliver(text(1), text(2));
  else if (text(0) == "subscribe")
    ++self->confirmed_;
}

void RedisSubscriber::deliver(std::string_view channel, std::string_view message) {
  asio::post(connection_.executor(),
             [this, alive = std::weak_ptr<int>(alive_), channel = std::string(channel),
              message = std::string(message)] {
               if (alive.expired()) return;
               auto it = handlers_.find(channel);
               if (it == handlers_.end()) return;
               auto handler = it->second;
               (*handler)(channel, message);
             });
}

}  // namespace tern::db
