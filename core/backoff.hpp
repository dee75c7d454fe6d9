// Backoff: how long to wait before the next attempt to reach a backing
// service that is not answering — PostgreSQL and Redis use this one policy.
// Exponential (min, doubling, capped at max) with "equal jitter": each
// delay is drawn from [d/2, d], so the loops of many processes that lost a
// server at the same instant do not all knock on it again in lockstep.
// reset() once connected.
#pragma once

#include <algorithm>
#include <chrono>
#include <random>

namespace tern {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max)
      : min_(min), max_(std::max(min, max)), next_(min), random_(std::random_device{}()) {}

  // The delay before the coming attempt (at least 1 ms); the one after doubles.
  std::chrono::milliseconds next() {
    std::uniform_real_distribution<double> spread(0.5, 1.0);
    auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(next_ * spread(random_));
    next_ = std::min(next_ * 2, max_);
    return std::max(delay, std::chrono::milliseconds(1));
  }

  void reset() { next_ = min_; }

 private:
  std::chrono::milliseconds min_, max_, next_;
  std::minstd_rand random_;
};

}  // namespace tern
