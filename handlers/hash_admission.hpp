// At most TERN_HASH_JOBS_PER_ADDRESS password hashes in flight per client
// address, across the process. A hash is the most expensive thing a request
// can ask for (tens of milliseconds of a core, by design), and the worker
// pool's queue is shared: without this, one address flooding /auth/join or
// /auth/login fills the queue and every other client's login is a 503.
//
// Shared by every loop thread; the counting is http::AddressSlots', the
// same that bounds connections per address.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/address_slots.hpp"

namespace tern::handlers {

class HashAdmission {
 public:
  explicit HashAdmission(unsigned per_address) : slots_(per_address) {}
  HashAdmission(const HashAdmission&) = delete;
  HashAdmission& operator=(const HashAdmission&) = delete;

  // Holds one of an address's places until destroyed.
  class Ticket {
   public:
    Ticket(Ticket&& other) noexcept : owner_(other.owner_), bucket_(std::move(other.bucket_)) {
      other.owner_ = nullptr;
    }
    Ticket& operator=(Ticket&&) = delete;
    ~Ticket() {
      if (owner_) owner_->release(bucket_);
    }

   private:
    friend class HashAdmission;
    Ticket(HashAdmission* owner, std::string bucket) : owner_(owner), bucket_(std::move(bucket)) {}
    HashAdmission* owner_;
    std::string bucket_;
  };

  // A place for `client` (an address, bucketed by http::address_bucket), or
  // nullopt when its places are all taken.
  std::optional<Ticket> try_admit(std::string_view client);

  std::size_t in_flight(std::string_view client) const;

 private:
  void release(const std::string& bucket) { slots_.give_back(bucket); }

  http::AddressSlots slots_;
};

}  // namespace tern::handlers
