// Password hashing with argon2id (RFC 9106; libargon2, the reference
// implementation), in PHC string form ("$argon2id$v=19$m=19456,t=2,p=1$...").
//
// Hashing is deliberately slow (tens of milliseconds, 19 MiB of memory): it
// must never run on an event-loop thread. The *_on(pool, ...) forms run it on
// the CPU worker pool and resume the caller on its loop; a full pool throws
// PoolFull (→ 503), so a login storm sheds load instead of queueing forever.
//
// argon2id has no input-length cap (bcrypt silently ignores bytes after 72),
// and verification compares in constant time.
#pragma once

#include <asio/awaitable.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace tern {
class ThreadPool;
}

namespace tern::workers {

struct PasswordCost {
  std::uint32_t time = 2;             // passes over memory
  std::uint32_t memory_kib = 19'456;  // 19 MiB: OWASP's argon2id baseline
  std::uint32_t lanes = 1;
};

// Blocking; call on a pool thread. Throws std::runtime_error on failure
// (out of memory), never returns a weak hash.
std::string hash_password(std::string_view password, const PasswordCost& cost = {});
// Blocking. False for a wrong password and for anything that is not an
// argon2id PHC string.
bool verify_password(std::string_view password, const std::string& encoded);

asio::awaitable<std::string> hash_password_on(ThreadPool& pool, std::string password,
                                              PasswordCost cost = {});
asio::awaitable<bool> verify_password_on(ThreadPool& pool, std::string password,
                                         std::string encoded);

// For a login with an unknown email: spends the time of a verification
// (against a hash of a random secret) and answers false, so that "no such
// user" cannot be told from "wrong password" by timing.
asio::awaitable<bool> verify_unknown_user_on(ThreadPool& pool, std::string password);

}  // namespace tern::workers
