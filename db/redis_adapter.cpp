#include "db/redis_adapter.hpp"

#include <hiredis/async.h>

#include <asio/posix/stream_descriptor.hpp>

#include <memory>
#include <utility>

namespace tern::db {
namespace {

using Wait = asio::posix::descriptor_base::wait_type;

class Adapter : public std::enable_shared_from_this<Adapter> {
 public:
  Adapter(redisAsyncContext* ac, const asio::any_io_executor& executor,
          std::function<void(redisAsyncContext*)> on_cleanup)
      : ac_(ac), socket_(executor), on_cleanup_(std::move(on_cleanup)) {}

  void attach(std::shared_ptr<Adapter> self, std::error_code& ec) {
    socket_.assign(ac_->c.fd, ec);
    if (ec) return;
    self_ = std::move(self);  // owned by the context until cleanup
    ac_->ev.data = this;
    ac_->ev.addRead = [](void* p) { static_cast<Adapter*>(p)->want(Wait::wait_read, true); };
    ac_->ev.delRead = [](void* p) { static_cast<Adapter*>(p)->want(Wait::wait_read, false); };
    ac_->ev.addWrite = [](void* p) { static_cast<Adapter*>(p)->want(Wait::wait_write, true); };
    ac_->ev.delWrite = [](void* p) { static_cast<Adapter*>(p)->want(Wait::wait_write, false); };
    ac_->ev.cleanup = [](void* p) { static_cast<Adapter*>(p)->cleanup(); };
  }

 private:
  // What hiredis wants, and whether a wait is outstanding, per direction. A
  // del hook only clears the wish; the wait in flight, if any, wakes once more
  // for nothing rather than being cancelled (cancel() would take the other
  // direction's wait with it).
  struct Direction {
    bool wanted = false;
    bool waiting = false;
  };

  Direction& direction(Wait w) { return w == Wait::wait_read ? read_ : write_; }

  void want(Wait w, bool wanted) {
    direction(w).wanted = wanted;
    if (wanted) arm(w);
  }

  void arm(Wait w) {
    Direction& d = direction(w);
    if (d.waiting || !ac_) return;
    d.waiting = true;
    socket_.async_wait(
        w, [self = shared_from_this(), w](std::error_code ec) { self->on_ready(w, ec); });
  }

  void on_ready(Wait w, std::error_code ec) {
    Direction& d = direction(w);
    d.waiting = false;
    if (ec || !ac_ || !d.wanted) return;
    // hiredis re-registers its wishes through the hooks while handling (reads
    // are always re-added; writes while output remains), and may free the
    // context in here, which runs cleanup() and clears ac_.
    if (w == Wait::wait_read)
      redisAsyncHandleRead(ac_);
    else
      redisAsyncHandleWrite(ac_);
    if (ac_ && d.wanted) arm(w);
  }

  void cleanup() {
    auto keep = std::move(self_);  // the adapter may go when this returns
    redisAsyncContext* ac = std::exchange(ac_, nullptr);
    ac->ev = {};
    socket_.release();  // cancels the waits; the fd stays open for hiredis to close
    if (on_cleanup_) std::exchange(on_cleanup_, nullptr)(ac);
  }

  redisAsyncContext* ac_;
  asio::posix::stream_descriptor socket_;
  std::function<void(redisAsyncContext*)> on_cleanup_;
  std::shared_ptr<Adapter> self_;
  Direction read_;
  Direction write_;
};

}  // namespace

void attach_asio_adapter(redisAsyncContext* ac, const asio::any_io_executor& executor,
                         std::function<void(redisAsyncContext*)> on_cleanup, std::error_code& ec) {
  auto adapter = std::make_shared<Adapter>(ac, executor, std::move(on_cleanup));
  adapter->attach(adapter, ec);
}

}  // namespace tern::db
