// Users and who follows whom: the user aggregate's queries, returning plain
// structs. Emails are kept as typed and unique regardless of case (a unique
// index on lower(email)): a duplicate sign-up is PgError::unique_violation
// (→ 409 email_taken), and find_by_email ignores case.
#pragma once

#include <asio/awaitable.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/pg_pool.hpp"

namespace tern::db {

struct User {
  std::int64_t id = 0;
  std::string email;
  std::string nick;
  std::string password_hash;
  std::string created_at;  // RFC 3339, UTC
};

struct UserRef {
  std::int64_t id = 0;
  std::string nick;
};

// GET /api/me: the signed-in user with follow counts and whom they follow
// (user.password_hash is left empty).
struct Me {
  User user;
  std::int64_t follower_count = 0;
  std::int64_t following_count = 0;
  std::vector<std::int64_t> following_ids;
};

// GET /api/users/:id as seen by `viewer` (0: nobody signed in).
struct Profile {
  UserRef user;
  std::int64_t follower_count = 0;
  std::int64_t following_count = 0;
  bool followed_by_me = false;
  std::int64_t post_count = 0;
};

// A place in a follower or following list, newest follow first: the follow's
// time in microseconds since the epoch and the other user's id (ties).
struct FollowCursor {
  std::int64_t micros = 0;  // 0: from the newest
  std::int64_t user_id = 0;
};

struct UserPage {
  std::vector<UserRef> users;
  std::optional<FollowCursor> next;
};

namespace users {

// Throws PgError::unique_violation when the email is taken.
asio::awaitable<User> create(PgPool& pool, std::string email, std::string nick,
                             std::string password_hash);
asio::awaitable<std::optional<User>> find_by_email(PgPool& pool, std::string email);
asio::awaitable<std::optional<User>> find(PgPool& pool, std::int64_t id);
asio::awaitable<std::optional<Me>> me(PgPool& pool, std::int64_t id);
// me() for many users in one statement (for a BatchLoader); users that do not
// exist are absent, the order is unspecified.
asio::awaitable<std::vector<Me>> me_many(PgPool& pool, std::vector<std::int64_t> ids);
asio::awaitable<std::optional<Profile>> profile(PgPool& pool, std::int64_t id, std::int64_t viewer);

// Idempotent. follow() throws PgError::foreign_key_violation when `followee`
// does not exist and check_violation when following oneself.
asio::awaitable<void> follow(PgPool& pool, std::int64_t follower, std::int64_t followee);
// False when `followee` does not exist.
asio::awaitable<bool> unfollow(PgPool& pool, std::int64_t follower, std::int64_t followee);
// Who follows `id` / whom `id` follows, newest follow first, `limit` per page.
asio::awaitable<UserPage> followers(PgPool& pool, std::int64_t id, FollowCursor before, int limit);
asio::awaitable<UserPage> followings(PgPool& pool, std::int64_t id, FollowCursor before, int limit);

}  // namespace users
}  // namespace tern::db
