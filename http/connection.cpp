#include "http/connection.hpp"

#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "core/log.hpp"
#include "http/client_address.hpp"
#include "http/error_response.hpp"
#include "http/text.hpp"

namespace tern::http {
namespace {

using asio::ip::tcp;

constexpr std::size_t kFlushAt = 64 << 10;       // write out batched responses past this
constexpr std::size_t kLingerBytes = 256 << 10;  // unread input discarded before closing
constexpr std::chrono::milliseconds kLingerTime{1000};

std::string_view error_code_for(int status) {
  switch (status) {
    case 413:
      return "body_too_large";
    case 417:
      return "expectation_failed";
    case 414:
      return "uri_too_long";
    case 431:
      return "header_too_large";
    case 505:
      return "http_version_not_supported";
    default:
      return "bad_request";
  }
}

}  // namespace

Connection::Connection(tcp::socket socket, LoopContext& loop)
    : socket_(std::move(socket)),
      loop_(loop),
      parser_(loop.options.max_header_bytes, [this](Request& req) {
        // Routing happens as soon as the head is parsed, so the route's body
        // limit is known before any body byte is accepted.
        match_ = loop_.router.match(req);
        if (match_.route && match_.route->body_sink) {
          req.body_sink = match_.route->body_sink(req);
          parser_.stream_body();
        }
        return match_.max_body;
      }) {
  // Before the connection is listed: if this throws, nothing points at it.
  if (loop_.tls.certificates)
    tls_ = std::make_unique<TlsStream>(loop_.tls.get().native_handle(), socket_.native_handle());
  self_ = loop_.connections.insert(loop_.connections.end(), this);
  std::error_code ec;
  socket_.set_option(tcp::no_delay(true), ec);
  socket_.non_blocking(true, ec);
  auto peer = socket_.remote_endpoint(ec);
  if (!ec) remote_ = peer.address().to_string();
}

Connection::~Connection() {
  loop_.connections.erase(self_);
}

void Connection::set_deadline(std::chrono::milliseconds from_now) {
  deadline_ = Clock::now() + from_now;
}

void Connection::shrink_idle_buffers() {
  // An idle keep-alive connection should cost its parser and little else:
  // 10,000 of them must fit in a few tens of MiB. A request that carried a
  // large head, body or pipeline leaves its capacity here; give it back.
  constexpr std::size_t kKeep = 4 << 10;
  if (out_.capacity() > kKeep) release_buffer(out_);
  if (pending_.capacity() > kKeep) release_buffer(pending_);
  parser_.shrink(kKeep);
}

bool Connection::expire_if_due(Clock::time_point now) {
  if (now < deadline_) return false;
  timed_out_ = true;
  loop_.metrics->timed_out.add();
  deadline_ = Clock::time_point::max();
  std::error_code ec;
  socket_.cancel(ec);
  return true;
}

void Connection::close_if_idle() {
  if (state_ != State::idle) return;
  std::error_code ec;
  socket_.cancel(ec);
}

void Connection::force_close() {
  state_ = State::closing;
  std::error_code ec;
  socket_.cancel(ec);
}

asio::awaitable<void> Connection::run() {
  // Until its first request, a connection has the head's deadline from its
  // accept: one that never sends a byte is not idle keep-alive, and must
  // not hold its slot for the idle timeout.
  const Clock::time_point accepted = Clock::now();
  deadline_ = accepted + loop_.options.header_timeout;
  bool graceful = false;  // close with a lingering read, as after a response
  if (tls_ && !co_await handshake()) {
    std::error_code ec;
    socket_.close(ec);
    co_return;
  }
  for (;;) {
    if (!out_.empty() && !co_await flush()) break;
    if (loop_.draining && !parser_.in_message()) break;
    if (state_ == State::closing) break;

    std::error_code ec;
    std::size_t n = read_now(ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      // Nothing buffered: wait for the socket, under the deadline that fits
      // what we are waiting for.
      if (!parser_.in_message()) {
        shrink_idle_buffers();  // a few comparisons, unless a big request just left
        state_ = State::idle;
        if (answered_any_)
          set_deadline(loop_.options.idle_timeout);
        else
          deadline_ = accepted + loop_.options.header_timeout;
      } else if (!parser_.head_complete()) {
        state_ = State::reading_head;
        deadline_ = request_start_ + loop_.options.header_timeout;
      } else {
        // The body's deadline is fixed when its first wait begins (about
        // when the head ended) and never renewed by the bytes that arrive.
        if (state_ != State::reading_body) body_start_ = Clock::now();
        state_ = State::reading_body;
        deadline_ = body_start_ + loop_.options.body_timeout;
      }
      if (co_await wait_ready()) break;
      continue;
    }
    if (ec) break;  // end of stream or reset
    bool keep_going = co_await consume(std::string_view(loop_.read_buffer.data(), n));
    if (!keep_going) {
      graceful = true;
      break;
    }
  }

  if (timed_out_ && parser_.in_message() && state_ != State::writing) {
    // A client too slow to send its request learns why it is dropped;
    // best effort, without waiting for the socket.
    connection_error(408, "request_timeout", "request not received in time");
    out_.clear();
    const Request* req = parser_.head_complete() ? &parser_.request() : nullptr;
    assign_request_id(req);
    queue_response(req, {});
    write_now();
  }
  co_await discard_body();  // an upload cut off by the client or its deadline
  if (graceful && socket_.is_open()) co_await linger_close();
  std::error_code ec;
  socket_.close(ec);
}

asio::awaitable<bool> Connection::consume(std::string_view data) {
  auto step = [this](std::string_view& bytes) {
    if (!parser_.in_message()) request_start_ = Clock::now();
    std::size_t used = 0;
    auto event = parser_.feed(bytes.data(), bytes.size(), used);
    bytes.remove_prefix(used);
    return event;
  };

  auto event = step(data);
  if (event == RequestParser::Event::message_complete) {
    // `data` views the loop's shared read buffer, which other connections
    // reuse while this one awaits its handler: keep the rest of it here.
    pending_.assign(data.data(), data.size());
    std::size_t offset = 0;
    for (;;) {
      if (!co_await answer()) co_return false;
      std::string_view rest(pending_.data() + offset, pending_.size() - offset);
      if (rest.empty()) break;
      std::size_t before = rest.size();
      event = step(rest);
      offset += before - rest.size();
      if (event != RequestParser::Event::message_complete) break;
    }
    pending_.clear();
  }
  if (event == RequestParser::Event::need_more && parser_.streaming() &&
      !parser_.request().body.empty() && !co_await stream_body())
    co_return false;
  if (event == RequestParser::Event::error) {
    co_await discard_body();
    co_await answer_parse_error();
    co_return false;
  }
  if (parser_.head_complete() && parser_.expects_continue() && !continue_sent_) {
    // The body is acceptable (its length passed the route's limit while the
    // head was parsed): invite the client to send it.
    out_ += "HTTP/1.1 100 Continue\r\n\r\n";
    continue_sent_ = true;
  }
  co_return true;
}

asio::awaitable<bool> Connection::answer() {
  state_ = State::handling;
  deadline_ = Clock::time_point::max();  // handlers bound their own waits
  Request& req = parser_.request();
  req.remote_address = remote_;
  req.loop = loop_.local;
  req.metrics = loop_.metrics;
  req.client_address = client_address(remote_, req.headers, loop_.options.trusted_proxies);
  req.received_at = request_start_;
  assign_request_id(&req);
  req.request_id = request_id_;
  response_.clear();

  std::exception_ptr failure;
  try {
    if (req.body_sink) {
      co_await req.body_sink->write(req.body);
      req.body.clear();
      co_await req.body_sink->finish();
    }
    co_await loop_.router.dispatch(req, response_, match_);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) co_await discard_body();
  const RouteGroup* group = match_.group;
  if (failure) render_error(failure, req, response_, group ? group->error_shape : json_error);
  if (group) group->add_headers(response_);

  bool keep_alive = req.keep_alive && !response_.close && !loop_.draining;
  queue_response(&req, {.keep_alive = keep_alive,
                        .http10 = req.is_http10(),
                        .omit_body = req.method == Method::head});
  parser_.next();
  continue_sent_ = false;
  state_ = State::idle;
  if (!keep_alive) {
    co_await flush();
    co_return false;
  }
  if (out_.size() >= kFlushAt) co_return co_await flush();
  co_return true;
}

asio::awaitable<bool> Connection::stream_body() {
  Request& req = parser_.request();
  std::exception_ptr failure;
  try {
    co_await req.body_sink->write(req.body);
  } catch (...) {
    failure = std::current_exception();
  }
  req.body.clear();
  if (!failure) co_return true;
  // Refused part-way (too large, not an image): answer now and close; the
  // rest of the body is never read.
  co_await discard_body();
  response_.clear();
  const RouteGroup* group = match_.group;
  render_error(failure, req, response_, group ? group->error_shape : json_error);
  if (group) group->add_headers(response_);
  assign_request_id(&req);
  queue_response(&req, {.keep_alive = false, .http10 = req.is_http10()});
  co_await flush();
  co_return false;
}

asio::awaitable<void> Connection::discard_body() {
  auto& sink = parser_.request().body_sink;
  if (!sink) co_return;
  try {
    co_await sink->discard();
  } catch (const std::exception& e) {
    log::warn(std::string("discarding a refused upload failed: ") + e.what());
  }
  sink.reset();
}

asio::awaitable<bool> Connection::flush() {
  if (out_.empty()) co_return true;
  auto previous = state_;
  state_ = State::writing;
  set_deadline(loop_.options.idle_timeout);  // a client that never reads is dropped
  std::error_code ec;
  if (tls_)
    ec = co_await write_all(out_);
  else
    co_await asio::async_write(socket_, asio::buffer(out_),
                               asio::redirect_error(asio::use_awaitable, ec));
  if (out_.capacity() > (256 << 10))
    release_buffer(out_);
  else
    out_.clear();
  state_ = previous;
  co_return !ec;
}

void Connection::connection_error(int status, std::string_view code, std::string_view message) {
  response_.clear();
  // Once the head is parsed (a body over the limit, or too slow), the route
  // group is known and answers in its own shape; before, there is only the
  // default.
  const RouteGroup* group = parser_.head_complete() ? match_.group : nullptr;
  (group ? group->error_shape : json_error)(response_, status, code, message);
  if (group) group->add_headers(response_);
}

asio::awaitable<void> Connection::answer_parse_error() {
  int status = parser_.error_status();
  connection_error(status, error_code_for(status), parser_.error_reason());
  const Request* req = parser_.head_complete() ? &parser_.request() : nullptr;
  assign_request_id(req);
  queue_response(req, {});
  co_await flush();
}

asio::awaitable<void> Connection::linger_close() {
  // Closing a socket with unread input makes the kernel send RST, which can
  // destroy the response we just wrote before the client reads it. So: stop
  // sending, then read and discard for a short, bounded while. Over TLS,
  // close_notify goes first; what is discarded then is left encrypted.
  if (tls_) tls_->shutdown();
  std::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  state_ = State::closing;
  set_deadline(kLingerTime);
  std::size_t discarded = 0;
  while (discarded < kLingerBytes && !timed_out_) {
    std::size_t n = socket_.read_some(asio::buffer(loop_.read_buffer), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      std::error_code wait_ec;
      co_await socket_.async_wait(tcp::socket::wait_read,
                                  asio::redirect_error(asio::use_awaitable, wait_ec));
      if (wait_ec) break;
      continue;
    }
    if (ec) break;
    discarded += n;
  }
}

void Connection::queue_response(const Request* req, Framing framing) {
  framing.request_id = request_id_;
  if (tls_) framing.hsts = loop_.options.hsts;
  std::size_t before = out_.size();
  response_.serialize(out_, framing);
  answered(req, response_.status, out_.size() - before);
}

void Connection::write_now() {
  std::error_code ignored;
  if (tls_)
    tls_->write(out_.data(), out_.size(), ignored);
  else
    socket_.write_some(asio::buffer(out_), ignored);
}

std::size_t Connection::read_now(std::error_code& ec) {
  if (tls_) return tls_->read(loop_.read_buffer.data(), loop_.read_buffer.size(), ec);
  return socket_.read_some(asio::buffer(loop_.read_buffer), ec);
}

asio::awaitable<std::error_code> Connection::wait_ready() {
  auto direction = tls_ && tls_->want() == TlsStream::Want::write ? tcp::socket::wait_write
                                                                  : tcp::socket::wait_read;
  std::error_code ec;
  co_await socket_.async_wait(direction, asio::redirect_error(asio::use_awaitable, ec));
  co_return ec;
}

asio::awaitable<std::error_code> Connection::write_all(std::string_view data) {
  while (!data.empty()) {
    std::error_code ec;
    data.remove_prefix(tls_->write(data.data(), data.size(), ec));
    if (ec == asio::error::would_block) {
      if (auto wait_ec = co_await wait_ready()) co_return wait_ec;
      continue;
    }
    if (ec) co_return ec;
  }
  co_return std::error_code();
}

asio::awaitable<bool> Connection::handshake() {
  for (;;) {
    std::error_code ec;
    tls_->handshake(ec);
    if (!ec) {
      loop_.metrics->tls_handshakes.add();
      co_return true;
    }
    if (ec == asio::error::would_block) {
      if (co_await wait_ready()) break;  // the deadline, a drain, a reset
      continue;
    }
    if (tls_->plain_http_seen()) {
      // OpenSSL read "GET " where a ClientHello belongs and sent no alert:
      // answer in plain HTTP, as nginx does, rather than leave the client
      // puzzling over a closed connection.
      tls_.reset();  // what follows is plain HTTP, without HSTS
      connection_error(400, "tls_required", "this port speaks HTTPS");
      out_.clear();
      assign_request_id(nullptr);
      queue_response(nullptr, {});
      write_now();
      out_.clear();
      co_await linger_close();
    }
    break;
  }
  loop_.metrics->tls_handshake_failures.add();
  co_return false;
}

void Connection::answered(const Request* req, int status, std::size_t bytes) {
  answered_any_ = true;
  auto elapsed =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - request_start_);
  auto& m = *loop_.metrics;
  const Route* matched = req ? match_.route : nullptr;
  metrics::RouteMetrics& route = !req      ? m.unrouted()
                                 : matched ? m.routes[matched->index]
                                           : m.unmatched();
  route.by_status[metrics::status_slot(status)].add();
  route.latency.observe(elapsed);
  if (!loop_.options.access_log) return;
  log::access({.id = request_id_,
               .remote = remote_,
               .client = req ? std::string_view(req->client_address) : std::string_view(remote_),
               .method = req ? req->method_text : std::string_view(),
               .target = req ? req->target : std::string_view(),
               .route = matched ? std::string_view(matched->pattern) : std::string_view(),
               .status = status,
               .bytes = bytes,
               .micros = static_cast<std::uint64_t>(std::max<long long>(0, elapsed.count()))});
}

namespace {

// An X-Request-Id worth keeping: 1–64 of [A-Za-z0-9._-].
bool plausible_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
      return false;
  return true;
}

}  // namespace

void Connection::assign_request_id(const Request* req) {
  // Only a trusted proxy's is believed (and only then is the header looked up).
  if (req && !loop_.options.trusted_proxies.empty() &&
      is_trusted_proxy(remote_, loop_.options.trusted_proxies)) {
    if (auto given = req->header("x-request-id"); given && plausible_request_id(*given)) {
      request_id_.assign(*given);
      return;
    }
  }
  request_id_.assign(loop_.request_id_prefix);
  append_hex(request_id_, ++loop_.requests);
}

}  // namespace tern::http
