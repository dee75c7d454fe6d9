// A parsed HTTP request. The views (target, path, header names and values)
// point into storage the request owns, filled by RequestParser; a connection
// reuses one Request for every request it carries, so in steady state parsing
// allocates nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/body_sink.hpp"
#include "http/url.hpp"

namespace tern::metrics {
struct LoopMetrics;
}

namespace tern::http {

enum class Method : std::uint8_t { get, head, post, put, patch, del, options, other };

// What the layers above http/ keep per event-loop thread (database pools,
// for one). The server hands each request its loop's, so a handler reaches
// its dependencies through the request it was given — never through a
// thread-local — and a test can give it any it likes. See LoopHooks.
class LoopLocal {
 public:
  virtual ~LoopLocal() = default;
};

// Who a request is from, as the authentication middleware found it. The
// middleware writes it; handlers only read it.
struct Identity {
  std::int64_t user_id = 0;  // 0: nobody is signed in
  std::string session_id;    // the web session it came with, if any

  bool signed_in() const { return user_id != 0; }
};

std::string_view method_name(Method m);

struct Header {
  std::string_view name;  // lower-cased
  std::string_view value;
};

class Request {
 public:
  Method method = Method::other;
  std::string_view method_text;  // as sent, for logs and 405s of unknown methods
  std::string_view target;       // request-target as sent
  std::string_view path;         // target up to '?', still percent-encoded
  std::string_view query;        // after '?', without it
  unsigned version_major = 1;
  unsigned version_minor = 1;
  std::vector<Header> headers;
  std::string body;
  bool keep_alive = true;

  // Set by the router: the decoded values of the route's :param segments.
  std::vector<std::pair<std::string_view, std::string>> params;
  // Peer address ("127.0.0.1"), set by the connection.
  std::string remote_address;
  // The client: the peer, or what trusted proxies in front of us say it is
  // (http/client_address.hpp). What per-client limits count by.
  std::string client_address;
  std::chrono::steady_clock::time_point received_at;
  // Its id, also sent as X-Request-Id and logged with it (set by the connection).
  std::string_view request_id;
  // This loop's services (set by the connection; see LoopLocal).
  LoopLocal* loop = nullptr;
  // This loop's counters (core/metrics.hpp), set by the connection; null
  // for a request made outside a server (tests).
  metrics::LoopMetrics* metrics = nullptr;
  Identity identity;
  // The streamed body of a route with a body sink (http/body_sink.hpp); the
  // handler casts it to the type its factory made.
  std::unique_ptr<BodySink> body_sink;

  // First header with this lower-case name.
  std::optional<std::string_view> header(std::string_view lower_name) const;
  // Value of a :param segment; empty if the route has none of that name.
  std::string_view param(std::string_view name) const;
  // The query string, decoded on first use; throws HttpError 400 if malformed.
  const Params& query_params();
  // The body as fields, from a flat JSON object or an urlencoded form; throws
  // HttpError 400 (malformed) or 415 (another content type).
  Params fields();

  bool is_http10() const { return version_major == 1 && version_minor == 0; }

  // Forgets this request but keeps the allocated capacity.
  void clear();
  // Frees the buffers whose capacity is over `keep` bytes (between requests).
  void shrink(std::size_t keep);
  std::size_t retained_bytes() const {
    return body.capacity() + head_.capacity() + headers.capacity() * sizeof(Header);
  }

 private:
  friend class RequestParser;
  std::string head_;  // backing store for target and headers
  std::optional<Params> query_params_;
};

}  // namespace tern::http
