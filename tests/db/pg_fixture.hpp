// Runs a test coroutine against a PgPool on the real PostgreSQL of
// DATABASE_URL (scripts/test starts one), on an io_context of its own, and
// rethrows on the test thread whatever the coroutine threw; and error_of(),
// the class of the PgError a query throws.
#pragma once

#include <doctest/doctest.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include <chrono>
#include <exception>
#include <functional>
#include <optional>
#include <string>

#include "db/pg_pool.hpp"
#include "db/pg_transaction.hpp"
#include "tests/db/test_env.hpp"

namespace tern::test {

inline db::PgOptions pg_options() {
  db::PgOptions o;
  o.url = test_database_url();
  return o;
}

using PoolTest = std::function<asio::awaitable<void>(db::PgPool&)>;

inline void with_pool(db::PgOptions options, PoolTest test, bool wait_ready = true) {
  asio::io_context io;
  db::PgPool pool(io.get_executor(), std::move(options));
  pool.start();
  std::exception_ptr failure;
  auto body = [&]() -> asio::awaitable<void> {
    if (wait_ready && !co_await pool.wait_ready(std::chrono::seconds(10)))
      throw std::runtime_error("PostgreSQL did not come up");
    co_await test(pool);
  };
  asio::co_spawn(io, body(), [&](std::exception_ptr e) {
    failure = e;
    pool.close();
  });
  io.run();
  if (failure) std::rethrow_exception(failure);
}

inline void with_pool(PoolTest test) {
  with_pool(pg_options(), std::move(test));
}

// Awaits `query()` and returns the class of the PgError it threw (nullopt: none).
template <class F>
asio::awaitable<std::optional<db::PgError::Kind>> error_of(F query) {
  try {
    co_await query();
  } catch (const db::PgError& e) {
    co_return e.kind();
  }
  co_return std::nullopt;
}

}  // namespace tern::test
