// How many of something each client address holds, across every loop
// thread of a process: connections (TERN_MAX_CONNECTIONS_PER_ADDRESS, in
// http::Server) and password hashes in flight (handlers::HashAdmission).
// Keys are http::address_bucket()s, so IPv6 counts by /64.
//
// Touched twice per held thing (take and give back), never per ordinary
// request, so a mutex is cheap enough; the map holds only addresses that
// hold something.
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
    if (it->second >= per_address_) {
      if (it->second == 0) open_.erase(it);  // a limit of 0 leaves no entry behind
      return false;
    }
    ++it->second;
    return true;
  }

  std::size_t held(const std::string& bucket) const {
    std::lock_guard lock(mutex_);
    auto it = open_.find(bucket);
    return it == open_.end() ? 0 : it->second;
  }

  void give_back(const std::string& bucket) {
    std::lock_guard lock(mutex_);
    auto it = open_.find(bucket);
    if (it != open_.end() && --it->second == 0) open_.erase(it);
  }

 private:
  const std::size_t per_address_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::size_t> open_;
};

}  // namespace tern::http
