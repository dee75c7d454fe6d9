// BatchLoader<Key, Value>: lookups by key that arrive in the same turn of the
// event loop share one query — the DataLoader pattern, on one loop thread.
//
// The first load() of a turn posts a flush to the back of the loop's queue;
// every load() that runs before the flush joins the batch. The flush sends one
// query for the batch's distinct keys, and each waiter then gets its row
// (nullopt when there is none) or the query's error.
//
// Why: under load one epoll wake-up resumes dozens of request coroutines that
// each want "the signed-in user". One query per request makes PostgreSQL pay
// its per-statement cost (Bind/Execute/Sync, snapshot, executor start-up,
// commit, a send) dozens of times; one `WHERE id = ANY($1)` pays it once. Under
// light load a batch holds one id and waits for nothing: the flush runs right
// after the handlers already queued, never after a timer.
//
// Nothing is cached: every batch asks the database anew, so a load() always
// sees every write that committed before it was called. A batch's keys are
// sorted, so two batches that update rows (the postgres session store's
// renewal) lock them in the same order and cannot deadlock each other.
//
//   db::BatchLoader<std::int64_t, Me> me(executor, [&pool](std::vector<std::int64_t> ids) {
//     return users::me_many(pool, std::move(ids));
//   }, [](const Me& m) { return m.user.id; });
//   std::optional<Me> m = co_await me.load(42);
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "core/completion.hpp"

namespace tern::db {

template <class Key, class Value>
class BatchLoader {
 public:
  // Fetches the rows of `keys` (distinct, ascending); keys without a row are
  // simply absent from the answer, which may come in any order.
  using Fetch = std::function<asio::awaitable<std::vector<Value>>(std::vector<Key>)>;
  using KeyOf = std::function<Key(const Value&)>;

  struct Stats {
    std::uint64_t loads = 0;    // load() calls
    std::uint64_t batches = 0;  // queries sent for them
  };

  BatchLoader(asio::any_io_executor executor, Fetch fetch, KeyOf key_of,
              std::size_t max_batch = 256)
      : executor_(std::move(executor)),
        fetch_(std::move(fetch)),
        key_of_(std::move(key_of)),
        max_batch_(max_batch == 0 ? 1 : max_batch) {}
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  // The row for `key`, or nullopt; rethrows the batch query's error.
  asio::awaitable<std::optional<Value>> load(Key key) {
    Outcome out = co_await async_completion<Outcome>([this, &key](Completion<Outcome> done) {
      waiting_.push_back({std::move(key), std::move(done)});
      if (waiting_.size() == 1) asio::post(executor_, [this] { flush(); });
    });
    if (out.error) std::rethrow_exception(out.error);
    co_return std::move(out.value);
  }

  Stats stats() const { return stats_; }

 private:
  struct Outcome {
    std::optional<Value> value;
    std::exception_ptr error;
  };
  struct Waiter {
    Key key;
    Completion<Outcome> done;
  };

  void flush() {
    std::vector<Waiter> all = std::move(waiting_);
    waiting_.clear();
    stats_.loads += all.size();
    // Sorted by key, each batch's distinct keys come in one pass (a key whose
    // waiters straddle a max_batch cut is asked for by both batches).
    std::sort(all.begin(), all.end(),
              [](const Waiter& a, const Waiter& b) { return a.key < b.key; });
    for (std::size_t begin = 0; begin < all.size(); begin += max_batch_) {
      std::size_t end = std::min(all.size(), begin + max_batch_);
      std::vector<Waiter> batch(std::make_move_iterator(all.begin() + begin),
                                std::make_move_iterator(all.begin() + end));
      ++stats_.batches;
      asio::co_spawn(executor_, answer(std::move(batch)), asio::detached);
    }
  }

  asio::awaitable<void> answer(std::vector<Waiter> batch) {
    std::vector<Key> keys;
    keys.reserve(batch.size());
    for (const Waiter& w : batch)
      if (keys.empty() || keys.back() != w.key) keys.push_back(w.key);
    std::vector<Value> rows;
    std::exception_ptr error;
    try {
      rows = co_await fetch_(std::move(keys));
    } catch (...) {
      error = std::current_exception();
    }
    if (error) {
      for (Waiter& w : batch)
        w.done.complete({std::nullopt, error});
      co_return;
    }
    // The rows' keys, ascending, beside their positions: then one merge pass
    // with the (ascending) waiters hands each its row.
    std::vector<std::pair<Key, std::size_t>> index;
    index.reserve(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i)
      index.emplace_back(key_of_(rows[i]), i);
    std::sort(index.begin(), index.end());
    auto row = index.begin();
    for (std::size_t i = 0; i < batch.size(); ++i) {
      Waiter& w = batch[i];
      while (row != index.end() && row->first < w.key)
        ++row;
      if (row == index.end() || row->first != w.key) {
        w.done.complete({std::nullopt, nullptr});
      } else if (i + 1 < batch.size() && batch[i + 1].key == w.key) {
        w.done.complete({rows[row->second], nullptr});  // another waiter wants it too
      } else {
        w.done.complete({std::move(rows[row->second]), nullptr});
      }
    }
  }

  asio::any_io_executor executor_;
  Fetch fetch_;
  KeyOf key_of_;
  std::size_t max_batch_;
  std::vector<Waiter> waiting_;
  Stats stats_;
};

}  // namespace tern::db
