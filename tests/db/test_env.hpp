// Where the data-layer tests find their servers, and the schema they expect.
//
// scripts/test starts a private PostgreSQL and Redis and exports DATABASE_URL
// and REDIS_URL; run outside it, these throw one clear line instead of
// testing against whatever a default URL happens to reach.
// ensure_migrated() brings DATABASE_URL's schema up to date, once per process,
// so each test file can call it first without caring which ran before.
// svc() stops and starts those servers for the fault tests; sleep_for() is
// the coroutine pause the data-layer tests share.
#pragma once

#include <doctest/doctest.h>

#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>

#include "db/migrate.hpp"

namespace tern::test {

inline std::string required_env(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value)
    throw std::runtime_error(std::string(name) +
                             " is not set: run the tests through scripts/test, which starts "
                             "PostgreSQL and Redis and sets it");
  return value;
}

inline std::string test_database_url() {
  return required_env("DATABASE_URL");
}
inline std::string test_redis_url() {
  return required_env("REDIS_URL");
}

// Runs db::migrate on DATABASE_URL the first time it is called in this
// process; a failure is rethrown to that caller and the next caller retries.
inline void ensure_migrated() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::ostringstream log;  // the steps are noise in test output; errors carry their story
    db::migrate(test_database_url(), log);
  });
}

// scripts/lib/svc ACTION: pg-stop, pg-start, redis-stop, redis-start.
inline void svc(const std::string& action) {
  std::string cmd = TERN_SOURCE_DIR "/scripts/lib/svc " + action;
  REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0, cmd);
}

inline asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
}

}  // namespace tern::test
