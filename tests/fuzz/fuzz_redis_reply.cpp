// Fuzzes the decoding of Redis replies as tern receives them: bytes go
// through hiredis's RESP reader (what redisAsyncContext uses) and each
// reply is converted by RedisReply::from. Invariants: the replies and the
// reader's verdict are the same whether the bytes arrive whole or one at a
// time, and the converted value mirrors hiredis's tree exactly (type,
// length, bytes, elements).
//
// Redis is a trusted server, and hiredis 0.14 allocates an array's element
// table up front from the count it is sent, so inputs announcing more than
// kMaxCount elements or bytes are skipped rather than asking for gigabytes.
#include <hiredis/hiredis.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "db/redis_reply.hpp"

namespace {

constexpr long kMaxCount = 4096;

void check(bool ok) {
  if (!ok) std::abort();
}

// Every '*' or '$' that starts the input or a line, read as a count.
bool counts_are_small(std::string_view in) {
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (!(i == 0 || in[i - 1] == '\n') || (in[i] != '*' && in[i] != '$')) continue;
    long n = 0;
    for (std::size_t j = i + 1; j < in.size() && in[j] >= '0' && in[j] <= '9'; ++j)
      if ((n = n * 10 + (in[j] - '0')) > kMaxCount) return false;
  }
  return true;
}

bool mirrors(const redisReply& r, const tern::db::RedisReply& v) {
  using T = tern::db::RedisReply::Type;
  switch (r.type) {
    case REDIS_REPLY_STATUS:
      return v.type() == T::status && v.as_string() == std::string_view(r.str, r.len);
    case REDIS_REPLY_ERROR:
      return v.type() == T::error && v.error_message() == std::string_view(r.str, r.len);
    case REDIS_REPLY_STRING:
      return v.type() == T::string && v.as_string() == std::string_view(r.str, r.len);
    case REDIS_REPLY_INTEGER:
      return v.type() == T::integer && v.as_integer() == r.integer;
    case REDIS_REPLY_NIL:
      return v.is_nil();
    case REDIS_REPLY_ARRAY: {
      if (v.type() != T::array || v.as_array().size() != r.elements) return false;
      for (std::size_t i = 0; i < r.elements; ++i)
        if (!mirrors(*r.element[i], v.as_array()[i])) return false;
      return true;
    }
    default:
      return false;
  }
}

// The whole tree, for comparing runs (describe() shows only the top).
void dump(const tern::db::RedisReply& v, std::string& out) {
  out += v.describe();
  if (v.is_string() || v.is_status()) out += std::to_string(v.as_string().size()) + v.as_string();
  if (v.is_error()) out += v.error_message();
  if (v.is_array()) {
    out += "[";
    for (const auto& e : v.as_array())
      dump(e, out);
    out += "]";
  }
  out += "\n";
}

std::string run(std::string_view in, std::size_t step) {
  redisReader* reader = redisReaderCreate();
  check(reader != nullptr);
  std::string log;
  bool failed = false;
  for (std::size_t i = 0; i < in.size() && !failed; i += step) {
    std::string_view piece = in.substr(i, step);
    if (redisReaderFeed(reader, piece.data(), piece.size()) != REDIS_OK) failed = true;
    for (;;) {
      void* raw = nullptr;
      if (failed || redisReaderGetReply(reader, &raw) != REDIS_OK) {
        failed = true;
        break;
      }
      if (raw == nullptr) break;
      auto* reply = static_cast<redisReply*>(raw);
      auto value = tern::db::RedisReply::from(*reply);
      check(mirrors(*reply, value));
      dump(value, log);
      freeReplyObject(reply);
    }
  }
  redisReaderFree(reader);
  return log + (failed ? "protocol error" : "ok");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (!counts_are_small(in)) return 0;
  std::string whole = run(in, in.size() + 1);
  check(run(in, 1) == whole);
  return 0;
}
