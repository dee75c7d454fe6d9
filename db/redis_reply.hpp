// RedisReply: one Redis answer as a plain value that owns its bytes.
//
// hiredis hands a reply to a callback and frees it when the callback returns,
// so the callback converts it at once (from()) and the value can then travel
// to the awaiting coroutine. Strings are binary-safe (std::string with its
// length; NUL bytes are data). RESP2 only, as hiredis 0.14 speaks: nil,
// status (+OK), error (-ERR ...), integer, bulk string, array.
//
// The as_*() accessors state what the caller expects; a reply that is
// something else throws RedisError(reply_error) naming both, and an error
// reply throws with the server's message, so
//   auto n = (co_await redis.command({"INCR", key})).as_integer();
// reads naturally and fails loudly on -WRONGTYPE.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "db/redis_error.hpp"

struct redisReply;

namespace tern::db {

class RedisReply {
 public:
  enum class Type { nil, status, error, integer, string, array };

  RedisReply() = default;  // nil
  static RedisReply from(const redisReply& reply);

  static RedisReply make_status(std::string text) { return {Type::status, std::move(text)}; }
  static RedisReply make_error(std::string text) { return {Type::error, std::move(text)}; }
  static RedisReply make_string(std::string bytes) { return {Type::string, std::move(bytes)}; }
  static RedisReply make_integer(long long value);
  static RedisReply make_array(std::vector<RedisReply> elements);

  Type type() const { return type_; }
  bool is_nil() const { return type_ == Type::nil; }
  bool is_status() const { return type_ == Type::status; }
  bool is_error() const { return type_ == Type::error; }
  bool is_integer() const { return type_ == Type::integer; }
  bool is_string() const { return type_ == Type::string; }
  bool is_array() const { return type_ == Type::array; }
  // A "+OK" status, what SET and friends answer.
  bool is_ok() const { return type_ == Type::status && text_ == "OK"; }

  // The bytes of a bulk string or the text of a status.
  const std::string& as_string() const;
  long long as_integer() const;
  const std::vector<RedisReply>& as_array() const;
  // The server's message of an error reply ("WRONGTYPE Operation against...").
  const std::string& error_message() const;

  // For logs and test failures: "nil", "integer 42", "error ERR ...".
  std::string describe() const;

 private:
  RedisReply(Type type, std::string text) : type_(type), text_(std::move(text)) {}
  [[noreturn]] void mismatch(const char* expected) const;

  Type type_ = Type::nil;
  long long integer_ = 0;
  std::string text_;  // string, status or error
  std::vector<RedisReply> elements_;
};

const char* to_string(RedisReply::Type type);

}  // namespace tern::db
