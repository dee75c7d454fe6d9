// BackingError: a failure of something a request relies on — PostgreSQL,
// Redis, a worker pool — as opposed to a fault of the
// request. When unavailable() (the service is down, did not answer in time,
// or is full), the request is answered 503 with Retry-After; that mapping
// lives in one place, http/error_response.cpp. Any other BackingError is a
// bug or a surprise: a 500, logged.
//
// The layers that own a service derive their error types from it (PgError,
// RedisError, PoolFull), so the HTTP layer knows the one type and none of
// theirs.
#pragma once

#include <stdexcept>
#include <string>

namespace tern {

class BackingError : public std::runtime_error {
 public:
  // `service` names the service for logs ("database", "redis", ...); it must
  // be a string literal. `message` is the detail, for logs only.
  BackingError(const char* service, const std::string& message)
      : std::runtime_error(message), service_(service) {}

  const char* service() const { return service_; }
  // True unless the subclass says this failure is not the service's absence.
  virtual bool unavailable() const { return true; }

 private:
  const char* service_;
};

}  // namespace tern
