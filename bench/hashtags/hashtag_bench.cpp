// hashtag_bench: three ways to store a post with its hashtags, measured
// flat out against the same PostgreSQL (bench/hashtags/run drives it).
//
//   hashtag_bench URL STRATEGY LOOPS CONCURRENCY SECONDS USER_ID
//
//   statement  tern's: one statement — the post, `INSERT … SELECT unnest($4)
//              ON CONFLICT … RETURNING` for the tags, and the links, as CTEs
//              (db::posts::insert). One round trip, atomic by construction.
//   pipeline   NodeBird's Promise.all: insert the post, then one upsert per
//              tag, all in flight at once on the pipeline, then the links —
//              three round trips and no transaction, as NodeBird has it (a
//              failure between them leaves a post without its tags; wrapped
//              in one transaction, the unordered upserts deadlock).
//   workers    the tag upserts handed to worker threads with connections of
//              their own (blocking libpq), the post and links on the loop's
//              pool: the "move it off the request path" idea taken literally.
//              The tags are no longer in the post's transaction at all.
//
// Each post has 5 tags drawn from 50 (so upserts conflict, as real tags do).
// Prints: "<strategy> <posts> posts in <s> s = <posts/s> posts/s, p50 <us> us,
// p99 <us> us, <errors> errors".
#include <libpq-fe.h>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/thread_pool.hpp"
#include "db/pg_pool.hpp"
#include "db/posts.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace asio::experimental::awaitable_operators;

const tern::db::Statement kPost{
    "hb_post", "INSERT INTO posts (user_id, content) VALUES ($1, $2) RETURNING id"};
const tern::db::Statement kUpsert{
    "hb_upsert",
    "INSERT INTO hashtags (title) VALUES (lower($1)) ON CONFLICT (title) "
    "DO UPDATE SET title = EXCLUDED.title RETURNING id"};
const tern::db::Statement kLinks{"hb_links",
                                 "INSERT INTO post_hashtags (post_id, hashtag_id) "
                                 "SELECT $1, unnest($2::int8[]) ON CONFLICT DO NOTHING"};

struct Stats {
  std::mutex mu;
  std::vector<std::uint32_t> micros;
  std::uint64_t errors = 0;
};

std::vector<std::string> tags_for(std::minstd_rand& rng) {
  std::vector<std::string> tags;
  while (tags.size() < 5) {
    std::string t = "benchtag" + std::to_string(rng() % 50);
    if (std::find(tags.begin(), tags.end(), t) == tags.end()) tags.push_back(t);
  }
  return tags;
}

std::string content_for(const std::vector<std::string>& tags) {
  std::string c = "bench post";
  for (const auto& t : tags)
    c += " #" + t;
  return c;
}

// One blocking connection per worker thread, for the `workers` strategy.
struct BlockingUpserts {
  explicit BlockingUpserts(const std::string& url, unsigned threads)
      : pool(threads, 100000, {.name = "upserts", .nice = 0}) {
    for (unsigned i = 0; i < threads; ++i) {
      PGconn* c = PQconnectdb(url.c_str());
      if (PQstatus(c) != CONNECTION_OK) {
        std::fprintf(stderr, "connect: %s", PQerrorMessage(c));
        std::exit(1);
      }
      free.push_back(c);
    }
  }
  ~BlockingUpserts() {
    for (auto* c : free)
      PQfinish(c);
  }
  std::int64_t upsert(const std::string& tag) {
    PGconn* c;
    {
      std::lock_guard lock(mu);
      c = free.back();
      free.pop_back();
    }
    const char* v[] = {tag.c_str()};
    PGresult* r =
        PQexecParams(c,
                     "INSERT INTO hashtags (title) VALUES (lower($1)) ON CONFLICT (title) "
                     "DO UPDATE SET title = EXCLUDED.title RETURNING id",
                     1, nullptr, v, nullptr, nullptr, 0);
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    std::int64_t id = ok ? std::atoll(PQgetvalue(r, 0, 0)) : 0;
    PQclear(r);
    {
      std::lock_guard lock(mu);
      free.push_back(c);
    }
    if (!ok) throw std::runtime_error("upsert failed");
    return id;
  }
  tern::ThreadPool pool;
  std::mutex mu;
  std::vector<PGconn*> free;
};

asio::awaitable<void> one_post(const std::string& strategy, tern::db::PgPool& pg,
                               BlockingUpserts* blocking, std::int64_t user,
                               std::vector<std::string> tags) {
  std::string content = content_for(tags);
  if (strategy == "statement") {
    std::optional<std::int64_t> no_image;
    co_await tern::db::posts::insert(pg, user, content, no_image, tags);
  } else if (strategy == "pipeline") {
    // NodeBird: no transaction; Promise.all over one findOrCreate per tag,
    // every upsert sent before any answer is awaited (each its own
    // autocommit statement, as sequelize runs them).
    auto post = co_await pg.query(kPost, user, content);
    auto id = post.front().get<std::int64_t>(0);
    auto [a, b, c, d, e] = co_await (pg.query(kUpsert, tags[0]) && pg.query(kUpsert, tags[1]) &&
                                     pg.query(kUpsert, tags[2]) && pg.query(kUpsert, tags[3]) &&
                                     pg.query(kUpsert, tags[4]));
    std::vector<std::int64_t> ids;
    for (auto* r : {&a, &b, &c, &d, &e})
      ids.push_back(r->front().get<std::int64_t>(0));
    co_await pg.query(kLinks, id, ids);
  } else {
    auto post = co_await pg.query(kPost, user, content);
    auto id = post.front().get<std::int64_t>(0);
    std::vector<std::int64_t> ids;
    for (auto& t : tags) {
      auto job = [blocking, t] { return blocking->upsert(t); };
      ids.push_back(co_await blocking->pool.run(std::move(job)));
    }
    co_await pg.query(kLinks, id, ids);
  }
}

asio::awaitable<void> poster(std::string strategy, tern::db::PgPool& pg, BlockingUpserts* blocking,
                             std::int64_t user, Clock::time_point end, unsigned seed,
                             Stats& stats) {
  std::minstd_rand rng(seed);
  std::vector<std::uint32_t> local;
  std::uint64_t errors = 0;
  while (Clock::now() < end) {
    auto start = Clock::now();
    try {
      co_await one_post(strategy, pg, blocking, user, tags_for(rng));
      local.push_back(static_cast<std::uint32_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count()));
    } catch (const std::exception& e) {
      if (errors++ == 0) std::fprintf(stderr, "%s: %s\n", strategy.c_str(), e.what());
    }
  }
  std::lock_guard lock(stats.mu);
  stats.micros.insert(stats.micros.end(), local.begin(), local.end());
  stats.errors += errors;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr,
                 "usage: hashtag_bench URL statement|pipeline|workers LOOPS CONCURRENCY "
                 "SECONDS USER_ID\n");
    return 2;
  }
  std::string url = argv[1], strategy = argv[2];
  unsigned loops = std::atoi(argv[3]), concurrency = std::atoi(argv[4]);
  int seconds = std::atoi(argv[5]);
  std::int64_t user = std::atoll(argv[6]);
  std::unique_ptr<BlockingUpserts> blocking;
  if (strategy == "workers") blocking = std::make_unique<BlockingUpserts>(url, 8);
  Stats stats;
  auto start = Clock::now();
  auto end = start + std::chrono::seconds(seconds) + std::chrono::milliseconds(200);
  std::vector<std::thread> threads;
  for (unsigned l = 0; l < loops; ++l)
    threads.emplace_back([&, l] {
      asio::io_context io(1);
      tern::db::PgOptions options;
      options.url = url;
      options.connections = 4;
      tern::db::PgPool pg(io.get_executor(), options);
      pg.start();
      unsigned remaining = concurrency / loops;
      asio::co_spawn(
          io,
          [&]() -> asio::awaitable<void> {
            if (!co_await pg.wait_ready(std::chrono::seconds(10))) {
              std::fprintf(stderr, "hashtag_bench: PostgreSQL not ready\n");
              std::exit(1);
            }
            auto ex = co_await asio::this_coro::executor;
            for (unsigned i = 0; i < concurrency / loops; ++i)
              asio::co_spawn(ex,
                             poster(strategy, pg, blocking.get(), user, end, l * 1000 + i, stats),
                             [&](std::exception_ptr) {
                               if (--remaining == 0) pg.close();
                             });
          },
          asio::detached);
      io.run();
    });
  for (auto& t : threads)
    t.join();
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  auto& m = stats.micros;
  std::sort(m.begin(), m.end());
  auto pct = [&](double p) {
    return m.empty() ? 0u : m[static_cast<std::size_t>(p * (m.size() - 1))];
  };
  std::printf("%s %zu posts in %.1f s = %.0f posts/s, p50 %u us, p99 %u us, %llu errors\n",
              strategy.c_str(), m.size(), secs, m.size() / secs, pct(0.5), pct(0.99),
              static_cast<unsigned long long>(stats.errors));
  return 0;
}
