// HttpError is how a handler or middleware says "answer with this status":
// thrown anywhere below the connection and turned into a response at one
// place (http/error_response.hpp). `code` is the stable snake_case name
// clients match on; `message` is for people. Headers that belong to the
// answer (Allow on a 405, Retry-After on a 429) travel with it, because the
// response a handler was building is discarded before the error is rendered.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace tern::http {

class HttpError : public std::runtime_error {
 public:
  HttpError(int status, std::string code, const std::string& message)
      : std::runtime_error(message), status_(status), code_(std::move(code)) {}

  // throw HttpError(405, ...).with_header("Allow", "GET, HEAD");
  HttpError&& with_header(std::string name, std::string value) && {
    headers_.emplace_back(std::move(name), std::move(value));
    return std::move(*this);
  }

  int status() const { return status_; }
  const std::string& code() const { return code_; }
  const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }

 private:
  int status_;
  std::string code_;
  std::vector<std::pair<std::string, std::string>> headers_;
};

}  // namespace tern::http
