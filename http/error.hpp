// HttpError is how a handler or middleware says "answer with this status":
// thrown anywhere below the connection and turned into a response at one
// place, the connection's dispatch. `code` is the stable snake_case name
// clients match on; `message` is for people.
#pragma once

#include <stdexcept>
#include <string>

namespace tern::http {

class HttpError : public std::runtime_error {
 public:
  HttpError(int status, std::string code, const std::string& message)
      : std::runtime_error(message), status_(status), code_(std::move(code)) {}

  int status() const { return status_; }
  const std::string& code() const { return code_; }

 private:
  int status_;
  std::string code_;
};

}  // namespace tern::http
