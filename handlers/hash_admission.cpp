#include "handlers/hash_admission.hpp"

#include "http/client_address.hpp"

namespace tern::handlers {

std::optional<HashAdmission::Ticket> HashAdmission::try_admit(std::string_view client) {
  std::string bucket = http::address_bucket(client);
  if (!slots_.take(bucket)) return std::nullopt;
  return Ticket(this, std::move(bucket));
}

std::size_t HashAdmission::in_flight(std::string_view client) const {
  return slots_.held(http::address_bucket(client));
}

}  // namespace tern::handlers
