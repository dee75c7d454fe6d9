#include "workers/password.hpp"

#include <argon2.h>
#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

#include "core/thread_pool.hpp"

namespace tern::workers {

namespace {
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;
}  // namespace

std::string hash_password(std::string_view password, const PasswordCost& cost) {
  unsigned char salt[kSaltBytes];
  if (RAND_bytes(salt, sizeof salt) != 1) throw std::runtime_error("no random bytes for a salt");
  std::size_t length =
      argon2_encodedlen(cost.time, cost.memory_kib, cost.lanes, kSaltBytes, kHashBytes, Argon2_id);
  std::vector<char> encoded(length);
  int rc = argon2id_hash_encoded(cost.time, cost.memory_kib, cost.lanes, password.data(),
                                 password.size(), salt, sizeof salt, kHashBytes, encoded.data(),
                                 encoded.size());
  if (rc != ARGON2_OK)
    throw std::runtime_error(std::string("argon2id: ") + argon2_error_message(rc));
  return std::string(encoded.data());
}

bool verify_password(std::string_view password, const std::string& encoded) {
  if (!encoded.starts_with("$argon2id$")) return false;
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

asio::awaitable<std::string> hash_password_on(ThreadPool& pool, std::string password,
                                              PasswordCost cost) {
  auto job = [password = std::move(password), cost] { return hash_password(password, cost); };
  co_return co_await pool.run(std::move(job));
}

asio::awaitable<bool> verify_password_on(ThreadPool& pool, std::string password,
                                         std::string encoded) {
  auto job = [password = std::move(password), encoded = std::move(encoded)] {
    return verify_password(password, encoded);
  };
  co_return co_await pool.run(std::move(job));
}

asio::awaitable<bool> verify_unknown_user_on(ThreadPool& pool, std::string password) {
  auto job = [password = std::move(password)] {
    // Made once, on a pool thread (hashing never runs on a loop).
    static const std::string decoy = [] {
      unsigned char secret[32];
      RAND_bytes(secret, sizeof secret);
      return hash_password(std::string_view(reinterpret_cast<char*>(secret), sizeof secret));
    }();
    verify_password(password, decoy);
    return false;
  };
  co_return co_await pool.run(std::move(job));
}

}  // namespace tern::workers
