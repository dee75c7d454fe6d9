// How many connections each client address holds, across every loop thread
// of a process, so that one address cannot take every connection slot
// (TERN_MAX_CONNECTIONS_PER_ADDRESS; IPv6 counted by /64).
//
// Touched twice per connection (accept and close), never per request, so a
// mutex is cheap enough; the map holds only addresses with open connections.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace tern::http {

class AddressSlots {
 public:
  explicit AddressSlots(std::size_t per_address) : per_address_(per_address) {}

  // Takes a slot for `bucket`; false when it has none left.
  bool take(const std::string& bucket) {
    std::lock_guard lock(mutex_);
    auto [it, fresh] = open_.try_emplace(bucket, 0);
    if (it->second >= per_address_) return false;
    ++it->second;
    return true;
  }

  void give_back(const std::string& bucket) {
    std::lock_guard lock(mutex_);
    auto it = open_.find(bucket);
    if (it != open_.end() && --it->second == 0) open_.erase(it);
  }

 private:
  const std::size_t per_address_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::size_t> open_;
};

}  // namespace tern::http
