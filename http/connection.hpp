// One client connection: a coroutine that reads, parses, dispatches and
// writes, top to bottom, until the peer leaves or a limit ends it.
//
// Reading does not use a per-connection buffer. The socket is non-blocking;
// the connection reads into a buffer owned by its loop thread and feeds the
// bytes straight to the parser, which copies what it keeps into the request.
// An idle connection therefore costs only its parser and a few small strings,
// which is what lets a process hold 10,000 of them in a few tens of MiB. Bytes
// that belong to a later pipelined request are kept in `pending_`.
//
// Timeouts are deadlines, not timers: the connection stores when it must
// have made progress, and its loop's sweeper (see LoopContext) closes those
// past due. Setting a deadline is a store, not a timer operation.
//
// Over TLS the shape is the same: TlsStream reads and writes through
// OpenSSL on the same non-blocking socket, and says which readiness to
// await when it cannot go on (a handshake or a record may want either).
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include <chrono>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "core/metrics.hpp"
#include "http/parser.hpp"
#include "http/response.hpp"
#include "http/router.hpp"
#include "http/tls_context.hpp"
#include "http/tls_stream.hpp"

namespace tern::http {

struct ConnectionOptions {
  std::size_t max_header_bytes = 16 << 10;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  // From the end of the head to the end of the body, however the bytes
  // trickle in: a slow body cannot hold a connection slot for ever.
  std::chrono::milliseconds body_timeout{60'000};
  bool access_log = true;
  std::vector<std::string> trusted_proxies;  // see http/client_address.hpp
  // Over TLS, sent as Strict-Transport-Security (empty: not sent).
  std::string hsts = "max-age=31536000";
};

class Connection;

// What the connections of one loop thread share. Touched only on that thread.
struct LoopContext {
  const Router& router;
  ConnectionOptions options;
  bool draining = false;                    // finish the request in hand, then close
  LoopLocal* local = nullptr;               // from LoopHooks::loop_started; given to every request
  metrics::LoopMetrics* metrics = nullptr;  // this loop's counters; never null in a server
  std::list<Connection*> connections;
  std::string read_buffer = std::string(64 << 10, '\0');
  // Request ids: this prefix (random per process, then the loop's number)
  // and a count, in hex: "Xq3vT9aZ0-1f".
  std::string request_id_prefix;
  std::uint64_t requests = 0;
  TlsContextCache tls;  // tls.certificates null: plain HTTP
};

class Connection {
 public:
  using Clock = std::chrono::steady_clock;

  Connection(asio::ip::tcp::socket socket, LoopContext& loop);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  asio::awaitable<void> run();

  // For the sweeper: closes the connection if its deadline has passed;
  // true if it did.
  bool expire_if_due(Clock::time_point now);
  // For draining: closes the connection now if it is between requests.
  void close_if_idle();
  // For the end of draining: closes it whatever it is doing.
  void force_close();

 private:
  enum class State { idle, reading_head, reading_body, handling, writing, closing };

  // Parses `data`, answering each complete request; false once the
  // connection must close. Bytes after a completed request move to pending_
  // before anything is awaited, since `data` may be the loop's shared buffer.
  asio::awaitable<bool> consume(std::string_view data);
  asio::awaitable<bool> answer();
  asio::awaitable<bool> flush();
  // A streamed body: hand what the parser holds to the route's sink (false:
  // the sink refused it, the refusal is answered, close). discard_body()
  // tells a refused or cut-off request's sink to remove what it kept.
  asio::awaitable<bool> stream_body();
  asio::awaitable<void> discard_body();
  asio::awaitable<void> answer_parse_error();
  // An error the connection itself answers (a parse error, a timeout),
  // rendered into response_ as the request's route group would.
  void connection_error(int status, std::string_view code, std::string_view message);
  asio::awaitable<void> linger_close();
  // Over TLS: the handshake, under the head deadline; false ends the
  // connection (a client that spoke plain HTTP is told so first).
  asio::awaitable<bool> handshake();
  // Reads what the socket (or OpenSSL) holds now, without waiting;
  // would_block when there is nothing.
  std::size_t read_now(std::error_code& ec);
  // Waits until the socket is ready for what the last would_block wanted.
  asio::awaitable<std::error_code> wait_ready();
  asio::awaitable<std::error_code> write_all(std::string_view data);
  // Best effort, without waiting: what the socket takes of out_ now (a 408,
  // a refusal before closing).
  void write_now();
  // Appends the response in response_ to out_ under request_id_ (set by
  // assign_request_id), then counts and logs it.
  void queue_response(const Request* req, Framing framing);
  void set_deadline(std::chrono::milliseconds from_now);
  // Between requests: let go of buffers a large request left behind.
  void shrink_idle_buffers();
  // A response is queued: count it under its route, and log it. `req` is
  // null when the request never parsed (no method, no target).
  void answered(const Request* req, int status, std::size_t bytes);
  // Sets request_id_: a trusted proxy's X-Request-Id, else the loop's next.
  void assign_request_id(const Request* req);

  asio::ip::tcp::socket socket_;
  LoopContext& loop_;
  std::unique_ptr<TlsStream> tls_;
  std::list<Connection*>::iterator self_;
  RequestParser parser_;
  Match match_;
  Response response_;
  std::string out_;
  std::string pending_;
  std::string remote_;
  std::string request_id_;  // of the request being answered (X-Request-Id)
  State state_ = State::idle;
  Clock::time_point deadline_ = Clock::time_point::max();
  Clock::time_point request_start_{};
  Clock::time_point body_start_{};
  bool continue_sent_ = false;
  bool answered_any_ = false;  // until then, the head deadline runs from the accept
  bool timed_out_ = false;
};

}  // namespace tern::http
