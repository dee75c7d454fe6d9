// A file descriptor that closes itself (RAII), movable, never copied.
#pragma once

#include <unistd.h>

#include <utility>

namespace tern {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(std::exchange(o.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  // Closes the descriptor; the result of close(2), 0 if there was none.
  int reset(int fd = -1) {
    int r = fd_ >= 0 ? ::close(fd_) : 0;
    fd_ = fd;
    return r;
  }

 private:
  int fd_ = -1;
};

}  // namespace tern
