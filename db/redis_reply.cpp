#include "db/redis_reply.hpp"

#include <hiredis/hiredis.h>

namespace tern::db {

RedisReply RedisReply::from(const redisReply& r) {
  switch (r.type) {
    case REDIS_REPLY_STATUS:
      return make_status(std::string(r.str, r.len));
    case REDIS_REPLY_ERROR:
      return make_error(std::string(r.str, r.len));
    case REDIS_REPLY_STRING:
      return make_string(std::string(r.str, r.len));
    case REDIS_REPLY_INTEGER:
      return make_integer(r.integer);
    case REDIS_REPLY_ARRAY: {
      std::vector<RedisReply> elements;
      elements.reserve(r.elements);
      for (std::size_t i = 0; i < r.elements; ++i)
        elements.push_back(from(*r.element[i]));
      return make_array(std::move(elements));
    }
    case REDIS_REPLY_NIL:
    default:
      return {};
  }
}

RedisReply RedisReply::make_integer(long long value) {
  RedisReply r;
  r.type_ = Type::integer;
  r.integer_ = value;
  return r;
}

RedisReply RedisReply::make_array(std::vector<RedisReply> elements) {
  RedisReply r;
  r.type_ = Type::array;
  r.elements_ = std::move(elements);
  return r;
}

const std::string& RedisReply::as_string() const {
  if (type_ != Type::string && type_ != Type::status) mismatch("a string");
  return text_;
}

long long RedisReply::as_integer() const {
  if (type_ != Type::integer) mismatch("an integer");
  return integer_;
}

const std::vector<RedisReply>& RedisReply::as_array() const {
  if (type_ != Type::array) mismatch("an array");
  return elements_;
}

const std::string& RedisReply::error_message() const {
  if (type_ != Type::error) mismatch("an error");
  return text_;
}

void RedisReply::mismatch(const char* expected) const {
  if (type_ == Type::error) throw RedisError(RedisError::Kind::reply_error, "redis: " + text_);
  throw RedisError(RedisError::Kind::reply_error,
                   std::string("redis: expected ") + expected + " reply, got " + describe());
}

std::string RedisReply::describe() const {
  constexpr std::size_t kShown = 64;
  switch (type_) {
    case Type::nil:
      return "nil";
    case Type::integer:
      return "integer " + std::to_string(integer_);
    case Type::array:
      return "array of " + std::to_string(elements_.size());
    case Type::status:
    case Type::error:
    case Type::string:
      return std::string(to_string(type_)) + " \"" + text_.substr(0, kShown) +
             (text_.size() > kShown ? "...\"" : "\"");
  }
  return "?";
}

const char* to_string(RedisReply::Type type) {
  switch (type) {
    case RedisReply::Type::nil:
      return "nil";
    case RedisReply::Type::status:
      return "status";
    case RedisReply::Type::error:
      return "error";
    case RedisReply::Type::integer:
      return "integer";
    case RedisReply::Type::string:
      return "string";
    case RedisReply::Type::array:
      return "array";
  }
  return "?";
}

}  // namespace tern::db
