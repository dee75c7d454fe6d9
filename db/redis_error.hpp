// RedisError: why a Redis command has no usable answer.
//
// Transport problems are thrown by RedisClient::command(): `unavailable` (no
// connection: the server is down, a connect or AUTH failed, the link dropped
// with the command in flight, or the client is closed) and `timeout` (no
// answer in time; the connection was dropped). Both mean "answer 503", and
// neither says whether the command ran.
//
// An error *reply* (-ERR, -WRONGTYPE...) is not thrown by command(): it is a
// RedisReply of type error, because for some commands it is an expected
// answer. It becomes a RedisError of kind `reply_error` only when the caller
// asks the reply for a value it does not hold (RedisReply::as_integer() on an
// error, or on a string) — a bug or a surprise, a 500.
#pragma once

#include <string>

#include "core/backing_error.hpp"

namespace tern::db {

class RedisError : public BackingError {
 public:
  enum class Kind { unavailable, timeout, reply_error };

  RedisError(Kind kind, const std::string& message) : BackingError("redis", message), kind_(kind) {}

  Kind kind() const { return kind_; }
  // Redis could not be reached or did not answer: a 503, not a 500.
  bool is_unavailable() const { return kind_ != Kind::reply_error; }
  bool unavailable() const override { return is_unavailable(); }

 private:
  Kind kind_;
};

inline const char* to_string(RedisError::Kind kind) {
  switch (kind) {
    case RedisError::Kind::unavailable:
      return "unavailable";
    case RedisError::Kind::timeout:
      return "timeout";
    case RedisError::Kind::reply_error:
      return "reply_error";
  }
  return "?";
}

}  // namespace tern::db
