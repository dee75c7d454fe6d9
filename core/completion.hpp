// Completion<T>: the link between an operation finished by an I/O callback (a
// PostgreSQL result, a Redis reply) and the coroutine awaiting it, on one loop
// thread.
//
//   T value = co_await async_completion<T>([&](Completion<T> c) {
//     queue.push_back(std::move(c));   // someone calls c.complete(v) later
//   });
//
// complete() never resumes the waiter inline: it posts to the waiter's
// executor, so the completer can keep iterating its own queues safely.
// Destroying an uncompleted Completion destroys the waiting coroutine's frame
// (Asio's rule for abandoned handlers), which only happens at shutdown.
#pragma once

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/awaitable.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>

#include <memory>
#include <utility>

namespace tern {

template <class T>
class Completion {
 public:
  Completion() = default;
  template <class Handler>
  explicit Completion(Handler handler) : impl_(new Impl<Handler>(std::move(handler))) {}

  explicit operator bool() const { return impl_ != nullptr; }

  // Delivers the value; the waiter resumes later on its own executor.
  void complete(T value) {
    auto impl = std::move(impl_);
    if (impl) impl->post(std::move(value), std::move(impl));
  }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual void post(T value, std::unique_ptr<Base> self) = 0;
  };
  template <class Handler>
  struct Impl final : Base {
    explicit Impl(Handler h) : handler(std::move(h)) {}
    void post(T value, std::unique_ptr<Base> self) override {
      auto executor = asio::get_associated_executor(handler);
      Handler h = std::move(handler);
      self.reset();
      asio::post(executor, [h = std::move(h), v = std::move(value)]() mutable {
        std::move(h)(std::move(v));
      });
    }
    Handler handler;
  };
  std::unique_ptr<Base> impl_;
};

// Suspends the calling coroutine; `start` receives the Completion to finish.
// `start` is held by value inside the returned awaitable, so a temporary lambda
// is safe to pass.
template <class T, class Start>
asio::awaitable<T> async_completion(Start start) {
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(T)>(
      [s = std::move(start)](auto handler) mutable { s(Completion<T>(std::move(handler))); },
      asio::use_awaitable);
}

}  // namespace tern
