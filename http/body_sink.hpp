// Where a streamed request body goes. A route that declares a body sink
// (RouteOptions::body_sink) never has its body in memory: the connection
// hands the sink the bytes as they are read — at most one read buffer at a
// time, awaiting each write before reading more, so a slow disk slows the
// client instead of filling memory — and runs the handler once the sink has
// the whole body. The handler then finds the sink in Request::body_sink.
#pragma once

#include <asio/awaitable.hpp>

#include <functional>
#include <memory>
#include <string_view>

namespace tern::http {

class Request;

class BodySink {
 public:
  virtual ~BodySink() = default;
  // The next bytes of the body. Throw (an HttpError, say) to refuse the
  // request: it is answered at once, and the rest of the body is never read.
  virtual asio::awaitable<void> write(std::string_view bytes) = 0;
  // The whole body has arrived (throw to refuse it, as for write).
  virtual asio::awaitable<void> finish() = 0;
  // The request was refused or cut off: remove whatever was kept. Called
  // before the refusal is answered, so nothing outlives its answer.
  virtual asio::awaitable<void> discard() = 0;
};

// Makes the sink for one request, once its head is parsed (no I/O here).
using BodySinkFactory = std::function<std::unique_ptr<BodySink>(const Request&)>;

}  // namespace tern::http
