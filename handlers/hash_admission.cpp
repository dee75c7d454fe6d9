#include "handlers/hash_admission.hpp"

#include "http/client_address.hpp"

namespace tern::handlers {

std::optional<HashAdmission::Ticket> HashAdmission::try_admit(std::string_view client) {
  std::string bucket = http::address_bucket(client);
  std::lock_guard lock(mutex_);
  unsigned& n = in_flight_[bucket];
  if (n >= per_address_) {
    if (n == 0) in_flight_.erase(bucket);
    return std::nullopt;
  }
  ++n;
  return Ticket(this, std::move(bucket));
}

std::size_t HashAdmission::in_flight(std::string_view client) const {
  std::lock_guard lock(mutex_);
  auto it = in_flight_.find(http::address_bucket(client));
  return it == in_flight_.end() ? 0 : it->second;
}

void HashAdmission::release(const std::string& bucket) {
  std::lock_guard lock(mutex_);
  auto it = in_flight_.find(bucket);
  if (it != in_flight_.end() && --it->second == 0) in_flight_.erase(it);
}

}  // namespace tern::handlers
