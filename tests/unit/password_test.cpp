// argon2id hashing: round trip, salts, no 72-byte truncation, junk refused,
// and the pool forms resume on the calling loop.
#include <doctest/doctest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>

#include <thread>

#include "core/thread_pool.hpp"
#include "workers/password.hpp"

using namespace tern::workers;

namespace {
// Cheap parameters: these tests are about behaviour, not cost.
const PasswordCost kFast{1, 1024, 1};
}  // namespace

TEST_CASE("password: hash and verify") {
  std::string h = hash_password("correct horse", kFast);
  CHECK(h.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
  CHECK(verify_password("correct horse", h));
  CHECK_FALSE(verify_password("correct horsE", h));
  CHECK_FALSE(verify_password("", h));
  CHECK(hash_password("correct horse", kFast) != h);  // a new salt every time
  CHECK(hash_password("x").starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));  // the default cost
}

TEST_CASE("password: every byte counts, junk hashes never verify") {
  std::string long_a(100, 'a'), long_b = long_a;
  long_b.back() = 'b';  // differs after byte 72, where bcrypt would stop reading
  std::string h = hash_password(long_a, kFast);
  CHECK(verify_password(long_a, h));
  CHECK_FALSE(verify_password(long_b, h));
  for (std::string junk : {"", "plain", "$2b$10$abcdefghijklmnopqrstuu", "$argon2id$v=19$broken",
                           "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaA"})
    CHECK_FALSE(verify_password("plain", junk));
}

TEST_CASE("password: pool forms run off the loop and resume on it") {
  tern::ThreadPool pool(2, 16);
  asio::io_context io;
  auto loop_thread = std::this_thread::get_id();
  bool ok = false, wrong = true, unknown = true, resumed_on_loop = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        std::string h = co_await hash_password_on(pool, "secret pass", kFast);
        ok = co_await verify_password_on(pool, "secret pass", h);
        wrong = co_await verify_password_on(pool, "secret pasS", h);
        unknown = co_await verify_unknown_user_on(pool, "secret pass");
        resumed_on_loop = std::this_thread::get_id() == loop_thread;
      },
      asio::detached);
  io.run();
  CHECK(ok);
  CHECK_FALSE(wrong);
  CHECK_FALSE(unknown);
  CHECK(resumed_on_loop);
}
