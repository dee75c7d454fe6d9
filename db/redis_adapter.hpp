// The Asio adapter for hiredis: what drives one redisAsyncContext from an
// event loop.
//
// hiredis does no waiting of its own. Through five hooks (ev.addRead,
// delRead, addWrite, delWrite, cleanup) it says when it wants to hear that
// its socket is readable or writable, and expects redisAsyncHandleRead/Write
// to be called when it is. This file is that "event library", built on an
// asio::posix::stream_descriptor waiting on the context's fd.
//
// Two rules keep it safe:
//  - hiredis owns the fd (redisFree closes it). The descriptor only watches:
//    the cleanup hook release()s it before hiredis closes the fd.
//  - A wait may complete after the context is gone (hiredis frees a context by
//    itself when the link fails, from inside redisAsyncHandleRead). Each wait
//    holds the adapter alive, and the adapter forgets the context in cleanup,
//    so a late wake-up finds nothing to call instead of a freed context.
#pragma once

#include <asio/any_io_executor.hpp>

#include <functional>
#include <system_error>

struct redisAsyncContext;

namespace tern::db {

// Installs the hooks on `ac` (whose fd must be open). `on_cleanup` runs when
// hiredis is about to free the context, for whatever reason, after it has
// answered the pending callbacks with NULL replies; the context is still
// readable then (its errstr says why it failed) and gone right after.
// On failure (the fd cannot be watched) nothing is installed and ec is set.
void attach_asio_adapter(redisAsyncContext* ac, const asio::any_io_executor& executor,
                         std::function<void(redisAsyncContext*)> on_cleanup, std::error_code& ec);

}  // namespace tern::db
