// The repositories against the real schema: what each returns, the rules the
// database enforces for them, paging, and the feed's fixed number of queries.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string>

#include "db/comments.hpp"
#include "db/domains.hpp"
#include "db/images.hpp"
#include "db/posts.hpp"
#include "db/refresh_tokens.hpp"
#include "db/users.hpp"
#include "tests/db/pg_fixture.hpp"
#include "tests/db/test_env.hpp"

using namespace tern::db;
using tern::test::error_of;
using tern::test::with_pool;
using Kind = PgError::Kind;

namespace {

// Unique per call, so reruns against the same database never collide.
std::string unique(const std::string& prefix) {
  static int n = 0;
  auto t = std::chrono::steady_clock::now().time_since_epoch().count();
  return prefix + std::to_string(t) + "_" + std::to_string(++n);
}

asio::awaitable<User> new_user(PgPool& pool, const std::string& nick = "nick") {
  co_return co_await users::create(pool, unique("u") + "@Example.com", nick, "$argon2id$x");
}

struct Migrated {
  Migrated() { tern::test::ensure_migrated(); }
};

}  // namespace

TEST_CASE_FIXTURE(Migrated, "repo users: create, find, duplicate email in any case") {
  with_pool([](PgPool& pool) -> asio::awaitable<void> {
    std::string email = unique("Mixed") + "@Example.com";
    User u = co_await users::create(pool, email, "alice", "$argon2id$hash");
    CHECK(u.id > 0);
    CHECK(u.email == email);
    CHECK(u.nick == "alice");
    CHECK(u.created_at.size() == 24);  // 2026-11-23T00:00:00.000Z
    CHECK(u.created_at.back() == 'Z');

    auto upper = email;
    for (auto& c : upper)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    try {
      co_await users::create(pool, upper, "bob", "$argon2id$hash");
      FAIL("duplicate email accepted");
    } catch (const PgError& e) {
      CHECK(e.kind() == Kind::unique_violation);
      CHECK(e.constraint() == "users_email_key");
    }
    auto found = co_await users::find_by_email(pool, upper);
    REQUIRE(found);
    CHECK(found->id == u.id);
    CHECK(found->password_hash == "$argon2id$hash");
    CHECK((co_await users::find(pool, u.id))->nick == "alice");
    CHECK_FALSE(co_await users::find(pool, -1));
    CHECK_FALSE(co_await users::find_by_email(pool, "nobody@nowhere"));
    // The schema refuses what the contract forbids, even if a handler let it by.
    CHECK(co_await error_of([&] {
            return users::create(pool, unique("n") + "@x.io", "sixteen-chars-xx", "h");
          }) == Kind::check_violation);
  });
}

TEST_CASE_FIXTURE(Migrated, "repo users: follow is idempotent; counts, ids and lists") {
  with_pool([](PgPool& pool) -> asio::awaitable<void> {
    User a = co_await new_user(pool, "a"), b = co_await new_user(pool, "b"),
         c = co_await new_user(pool, "c");
    co_await users::follow(pool, a.id, b.id);
    co_await users::follow(pool, a.id, b.id);  // again: no error, no duplicate
    co_await users::follow(pool, a.id, c.id);
    co_await users::follow(pool, c.id, a.id);
    CHECK(co_await error_of([&] { return users::follow(pool, a.id, a.id); }) ==
          Kind::check_violation);
    CHECK(co_await error_of([&] { return users::follow(pool, a.id, -5); }) ==
          Kind::foreign_key_violation);

    auto me = co_await users::me(pool, a.id);
    REQUIRE(me);
    CHECK(me->user.email == a.email);
    CHECK(me->user.password_hash.empty());  // never loaded to show a user
    CHECK(me->following_count == 2);
    CHECK(me->follower_count == 1);
    std::vector<std::int64_t> both{b.id, c.id};  // (g++ 12: no init lists in co_await expressions)
    CHECK(me->following_ids == both);

    auto seen_by_a = co_await users::profile(pool, b.id, a.id);
    REQUIRE(seen_by_a);
    CHECK(seen_by_a->user.nick == "b");
    CHECK(seen_by_a->follower_count == 1);
    CHECK(seen_by_a->followed_by_me);
    CHECK_FALSE((co_await users::profile(pool, b.id, 0))->followed_by_me);
    CHECK_FALSE(co_await users::profile(pool, -1, 0));

    auto followers = co_await users::followers(pool, b.id, {}, 50);
    REQUIRE(followers.users.size() == 1);
    CHECK(followers.users[0].id == a.id);
    CHECK_FALSE(followers.next);
    // Newest follow first, one per page, the cursor walking to the end.
    auto first = co_await users::followings(pool, a.id, {}, 1);
    REQUIRE(first.users.size() == 1);
    CHECK(first.users[0].id == c.id);
    REQUIRE(first.next);
    auto second = co_await users::followings(pool, a.id, *first.next, 1);
    REQUIRE(second.users.size() == 1);
    CHECK(second.users[0].id == b.id);
    CHECK_FALSE(second.next);

    CHECK(co_await users::unfollow(pool, a.id, b.id));
    CHECK(co_await users::unfollow(pool, a.id, b.id));
    CHECK_FALSE(co_await users::unfollow(pool, a.id, -7));
    std::vector<std::int64_t> only_c{c.id};
    CHECK((co_await users::me(pool, a.id))->following_ids == only_c);
    auto empty = co_await users::me(pool, b.id);
    CHECK(empty->following_ids.empty());
  });
}

TEST_CASE_FIXTURE(Migrated, "repo posts: hashtags, image, likes, comments, replies, delete") {
  with_pool([](PgPool& pool) -> asio::awaitable<void> {
    User author = co_await new_user(pool, "author"), fan = co_await new_user(pool, "fan");
    std::string path = unique("img") + ".png";
    Image img = co_await images::create(pool, author.id, path, "png");
    CHECK(img.thumb_state == "pending");
    std::string tag = unique("tag");
    std::vector<std::string> tags{tag, "ÉCOLE", "ÉCOLE"};
    Post p = co_await posts::create(pool, author.id, "hello #" + tag, img.id, tags);
    CHECK(p.user.nick == "author");
    REQUIRE(p.img);
    CHECK(p.img->url == "/uploads/" + path);
    CHECK_FALSE(p.img->thumb_url);
    CHECK(p.hashtags.size() == 2);
    CHECK(std::find(p.hashtags.begin(), p.hashtags.end(), "école") != p.hashtags.end());

    co_await images::thumbnail_ready(pool, img.id, "thumb-" + path);
    CHECK((co_await posts::find(pool, p.id, 0))->img->thumb_url == "/uploads/thumb-" + path);
    CHECK((co_await images::find_by_path(pool, path))->thumb_state == "ready");

    CHECK(co_await posts::like(pool, p.id, fan.id));
    CHECK(co_await posts::like(pool, p.id, fan.id));
    CHECK_FALSE(co_await posts::like(pool, -1, fan.id));
    auto seen = co_await posts::find(pool, p.id, fan.id);
    CHECK(seen->like_count == 1);
    CHECK(seen->liked);
    CHECK_FALSE((co_await posts::find(pool, p.id, author.id))->liked);

    auto c1 = co_await comments::add(pool, p.id, fan.id, "first");
    auto c2 = co_await comments::add(pool, p.id, author.id, "second");
    REQUIRE(c1);
    REQUIRE(c2);
    CHECK(c1->user.nick == "fan");
    CHECK_FALSE(co_await comments::add(pool, -1, fan.id, "nowhere"));
    auto r1 = co_await comments::reply(pool, c1->id, author.id, "thanks");
    REQUIRE(r1);
    CHECK_FALSE(co_await comments::reply(pool, -1, author.id, "nowhere"));
    auto full = co_await posts::find(pool, p.id, 0);
    REQUIRE(full->comments.size() == 2);
    CHECK(full->comments[0].content == "first");  // oldest first
    REQUIRE(full->comments[0].replies.size() == 1);
    CHECK(full->comments[0].replies[0].user.nick == "author");
    CHECK(full->comments[1].replies.empty());

    CHECK(co_await posts::unlike(pool, p.id, fan.id));
    CHECK(co_await posts::unlike(pool, p.id, fan.id));
    CHECK((co_await posts::find(pool, p.id, fan.id))->like_count == 0);

    CHECK(co_await posts::remove(pool, p.id, fan.id) == Removal::forbidden);
    CHECK(co_await posts::remove(pool, p.id, author.id) == Removal::deleted);
    CHECK(co_await posts::remove(pool, p.id, author.id) == Removal::not_found);
    CHECK_FALSE(co_await posts::find(pool, p.id, 0));
    CHECK_FALSE(co_await posts::unlike(pool, p.id, fan.id));
    auto left = co_await pool.query_sql(
        "SELECT (SELECT count(*) FROM comments WHERE post_id = $1) + "
        "(SELECT count(*) FROM replies WHERE id = $2) + "
        "(SELECT count(*) FROM post_hashtags WHERE post_id = $1)",
        p.id, r1->id);
    CHECK(left.front().get<int>(0) == 0);
  });
}

TEST_CASE_FIXTURE(Migrated, "repo posts: pages newest first with a cursor, by user and tag") {
  with_pool([](PgPool& pool) -> asio::awaitable<void> {
    User u = co_await new_user(pool);
    std::string tag = unique("Paging");
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 25; ++i) {
      std::vector<std::string> tags;
      if (i % 2 == 0) tags.push_back(tag);
      ids.push_back(
          (co_await posts::create(pool, u.id, "post " + std::to_string(i), std::nullopt, tags)).id);
    }
    PageQuery q;
    q.limit = 10;
    auto p1 = co_await posts::by_user(pool, u.id, q);
    REQUIRE(p1.posts.size() == 10);
    CHECK(p1.posts[0].id == ids[24]);
    CHECK(p1.next == ids[15]);
    q.before = *p1.next;
    auto p2 = co_await posts::by_user(pool, u.id, q);
    CHECK(p2.posts.front().id == ids[14]);
    q.before = *p2.next;
    auto p3 = co_await posts::by_user(pool, u.id, q);
    CHECK(p3.posts.size() == 5);
    CHECK_FALSE(p3.next);
    CHECK(p3.posts.back().id == ids[0]);

    PageQuery all;
    all.limit = 100;
    auto tagged = co_await posts::by_hashtag(pool, tag, all);  // as created, mixed case
    CHECK(tagged.posts.size() == 13);
    for (auto& p : tagged.posts)
      CHECK(p.hashtags.size() == 1);
    std::string upper = tag;
    for (auto& c : upper)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK((co_await posts::by_hashtag(pool, upper, all)).posts.size() == 13);

    PageQuery newest;
    newest.limit = 3;
    auto feed = co_await posts::latest(pool, newest);
    REQUIRE(feed.posts.size() == 3);
    CHECK(feed.posts[0].id > feed.posts[1].id);
    CHECK(feed.next == feed.posts[2].id);
  });
}

TEST_CASE_FIXTURE(Migrated, "repo posts: a page costs the same four queries whatever its size") {
  with_pool([](PgPool& pool) -> asio::awaitable<void> {
    User u = co_await new_user(pool), v = co_await new_user(pool);
    for (int i = 0; i < 20; ++i) {
      std::vector<std::string> tags{"rt", unique("t")};
      auto p = co_await posts::create(pool, u.id, "p", std::nullopt, tags);
      co_await posts::like(pool, p.id, v.id);
      auto c = co_await comments::add(pool, p.id, v.id, "c");
      co_await comments::reply(pool, c->id, u.id, "r");
    }
    auto queries = [&] { return pool.stats().queries; };
    for (int limit : {1, 5, 20}) {
      PageQuery q;
      q.limit = limit;
      q.viewer = v.id;
      auto before = queries();
      auto page = co_await posts::by_user(pool, u.id, q);
      CHECK(page.posts.size() == static_cast<std::size_t>(limit));
      CHECK(page.posts.back().comments.at(0).replies.size() == 1);
      CHECK(page.posts.back().liked);
      CHECK(queries() - before == 4);  // page + (hashtags, comments, replies)
    }
    PageQuery q;
    auto before = queries();
    auto nobody = co_await posts::by_user(pool, -1, q);
    CHECK(nobody.posts.empty());
    CHECK(queries() - before == 1);
  });
}

TEST_CASE_FIXTURE(Migrated, "repo domains and refresh tokens: ownership, once-only, reuse") {
  with_pool([](PgPool& pool) -> asio::awaitable<void> {
    User owner = co_await new_user(pool), other = co_await new_user(pool);
    std::string secret = unique("secret");
    Domain d = *co_await domains::create(pool, owner.id, "Example.COM:8080", "free", secret, 2);
    CHECK(d.host == "example.com:8080");
    auto all = co_await domains::all_hosts(pool);
    CHECK(std::find(all.begin(), all.end(), "example.com:8080") != all.end());
    CHECK(co_await domains::host_registered(pool, "EXAMPLE.com:8080"));
    CHECK((co_await domains::list(pool, owner.id)).size() == 1);
    CHECK((co_await domains::find_by_secret(pool, secret))->id == d.id);
    CHECK(co_await error_of([&] {
            return domains::create(pool, owner.id, "x.io", "gold", unique("s"), 2);
          }) == Kind::check_violation);
    // The cap (1 here): the first fits, the next does not.
    CHECK(co_await domains::create(pool, other.id, "a.io", "free", unique("s"), 1));
    CHECK_FALSE(co_await domains::create(pool, other.id, "b.io", "free", unique("s"), 1));

    TokenDigest first{}, second{}, stranger{};
    first[0] = 1;
    second[0] = 2;
    stranger[0] = 3;
    first[31] = second[31] = stranger[31] = static_cast<unsigned char>(d.id);  // unique per run
    first[30] = second[30] = stranger[30] = static_cast<unsigned char>(d.id >> 8);
    auto family = co_await refresh_tokens::issue(pool, owner.id, d.id, first, std::nullopt,
                                                 std::chrono::seconds(60));
    CHECK(family.size() == 36);
    auto used = co_await refresh_tokens::consume(pool, first);
    CHECK(used.outcome == refresh_tokens::Outcome::granted);
    CHECK(used.grant.user_id == owner.id);
    CHECK(used.grant.family == family);
    co_await refresh_tokens::issue(pool, owner.id, d.id, second, family, std::chrono::seconds(60));
    // The first token again: a replay, so the whole family dies, successor too.
    CHECK((co_await refresh_tokens::consume(pool, first)).outcome ==
          refresh_tokens::Outcome::reused);
    CHECK((co_await refresh_tokens::consume(pool, second)).outcome ==
          refresh_tokens::Outcome::reused);
    CHECK((co_await refresh_tokens::consume(pool, stranger)).outcome ==
          refresh_tokens::Outcome::unknown);

    CHECK((co_await domains::remove(pool, d.id, other.id)).outcome == Removal::forbidden);
    auto removed = co_await domains::remove(pool, d.id, owner.id);
    CHECK(removed.outcome == Removal::deleted);
    CHECK(removed.host == "example.com:8080");
    CHECK((co_await domains::remove(pool, d.id, owner.id)).outcome == Removal::not_found);
    CHECK_FALSE(co_await domains::host_registered(pool, "example.com:8080"));
  });
}

// The following feed has two plans (db/posts.cpp): a per-author merge up to
// 256 follows, a primary-key walk beyond. Both must give the same posts:
// mine and my followees', newest first, paged by the cursor — and nobody
// else's.
TEST_CASE_FIXTURE(Migrated, "repo posts: the following feed, merge plan and walk plan alike") {
  with_pool([](PgPool& pool) -> asio::awaitable<void> {
    std::string batch = unique("feed");
    auto made = co_await pool.query_sql(
        "WITH u AS (INSERT INTO users (email, nick, password_hash) "
        "  SELECT $1 || g || '@feed.test', 'f' || g, 'x' FROM generate_series(1, 301) g "
        "  RETURNING id) SELECT array_agg(id ORDER BY id)::text FROM u",
        batch);
    std::vector<std::int64_t> ids;
    std::string text = made.front().get<std::string>(0);
    for (std::size_t i = 1; i < text.size();) {
      std::size_t end = text.find_first_of(",}", i);
      ids.push_back(std::stoll(text.substr(i, end - i)));
      i = end + 1;
    }
    REQUIRE(ids.size() == 301);
    std::int64_t few = ids[0], many = ids[1];
    // `few` follows 3 users, `many` follows 299; everyone posts twice.
    co_await pool.query_sql(
        "INSERT INTO follows (follower_id, following_id) "
        "SELECT $1::int8, unnest($2::int8[]) UNION ALL SELECT $3::int8, unnest($4::int8[])",
        few, std::vector<std::int64_t>(ids.begin() + 2, ids.begin() + 5), many,
        std::vector<std::int64_t>(ids.begin() + 2, ids.end()));
    co_await pool.query_sql(
        "INSERT INTO posts (user_id, content) SELECT u, 'p' FROM unnest($1::int8[]) u, "
        "generate_series(1, 2) ORDER BY 1",
        ids);
    for (auto [reader, authors] : {std::pair{few, 4}, std::pair{many, 300}}) {
      CAPTURE(authors);
      auto expected = co_await pool.query_sql(
          "SELECT count(*) FROM posts WHERE user_id = $1 OR user_id IN "
          "(SELECT following_id FROM follows WHERE follower_id = $1)",
          reader);
      CHECK(expected.front().get<std::int64_t>(0) == 2 * authors);
      PageQuery q;
      q.viewer = reader;
      q.limit = 7;
      std::vector<std::int64_t> seen;
      for (;;) {
        auto page = co_await posts::following(pool, q);
        for (auto& p : page.posts) {
          bool followed =
              p.user.id == reader ||
              (reader == few ? (p.user.id == ids[2] || p.user.id == ids[3] || p.user.id == ids[4])
                             : p.user.id != ids[0]);
          CHECK(followed);
          seen.push_back(p.id);
        }
        if (!page.next) break;
        q.before = *page.next;
      }
      CHECK(static_cast<std::int64_t>(seen.size()) == 2 * authors);
      CHECK(std::is_sorted(seen.rbegin(), seen.rend()));
      CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());
    }
  });
}
