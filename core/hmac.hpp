// HMAC-SHA256 with its key schedule kept between messages.
//
// OpenSSL 3's one-shot HMAC() looks the algorithm up in the provider, builds
// a context and hashes the key on every call — a few allocations and most of
// the cost, on a path (the session cookie check) that runs on every request.
// An HmacSha256 does that once; sign() then re-initialises from the stored
// inner and outer states (EVP_MAC_init with no key) and hashes the message.
//
// Not thread-safe: keep one per thread (hmac_sha256() does).
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>

struct evp_mac_ctx_st;

namespace tern {

using Sha256Digest = std::array<unsigned char, 32>;

class HmacSha256 {
 public:
  explicit HmacSha256(std::string_view key);  // throws std::runtime_error if OpenSSL fails
  Sha256Digest sign(std::string_view message);
  const std::string& key() const { return key_; }

 private:
  struct Free {
    void operator()(evp_mac_ctx_st* ctx) const;
  };
  std::string key_;
  std::unique_ptr<evp_mac_ctx_st, Free> ctx_;
};

// HMAC-SHA256(key, message) through this thread's HmacSha256 for `key`
// (made at first use, remade when another key comes).
Sha256Digest hmac_sha256(std::string_view key, std::string_view message);

}  // namespace tern
