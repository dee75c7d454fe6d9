#include "http/error_response.hpp"

#include <asio/multiple_exceptions.hpp>

#include <chrono>
#include <string>
#include <utility>

#include "core/backing_error.hpp"
#include "core/json_writer.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "http/error.hpp"

namespace tern::http {

void json_error(Response& res, int status, std::string_view code, std::string_view message) {
  res.error(status, code, message);
}

void status_code_error(Response& res, int status, std::string_view, std::string_view message) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("code", status).field("message", message).end_object();
  res.json(status, std::move(out));
}

namespace {

// Queries awaited together (asio's awaitable operators, db/posts.cpp) that
// both fail arrive as asio::multiple_exceptions: what the request met is
// the first of them (PostgreSQL gone, say), not a surprise worth a 500.
std::exception_ptr first_failure(std::exception_ptr error) {
  for (;;) {
    try {
      std::rethrow_exception(error);
    } catch (const asio::multiple_exceptions& e) {
      error = e.first_exception();
    } catch (...) {
      return error;
    }
  }
}

}  // namespace

void render_error(std::exception_ptr error, const Request& req, Response& res, ErrorShape shape) {
  res.clear();
  error = first_failure(std::move(error));
  try {
    std::rethrow_exception(error);
  } catch (const HttpError& e) {
    shape(res, e.status(), e.code(), e.what());
    for (const auto& [name, value] : e.headers())
      res.set_header(name, value);
    return;
  } catch (const BackingError& e) {
    if (e.unavailable()) {
      if (req.metrics) req.metrics->unavailable[metrics::service_slot(e.service())].add();
      // At most one line a second per loop thread: an outage under load
      // would otherwise log every request (the metrics count them all).
      thread_local std::chrono::steady_clock::time_point next_line{};
      thread_local std::uint64_t unlogged = 0;
      auto now = std::chrono::steady_clock::now();
      if (now < next_line) {
        ++unlogged;
      } else {
        next_line = now + std::chrono::seconds(1);
        std::string line = "503 for ";
        line += req.path;
        line += " (request ";
        line += req.request_id;
        line += "): ";
        line += e.service();
        line += ": ";
        line += e.what();
        if (unlogged) line += " (and " + std::to_string(std::exchange(unlogged, 0)) + " more 503s)";
        log::warn(line);
      }
      shape(res, 503, "service_unavailable", "a backing service is unavailable; retry shortly");
      res.set_header("Retry-After", "1");
      return;
    }
    log::error(std::string("unhandled ") + e.service() + " error in " +
               std::string(req.method_text) + ' ' + std::string(req.target) + " (request " +
               std::string(req.request_id) + "): " + e.what());
  } catch (const std::exception& e) {
    log::error("unhandled error in " + std::string(req.method_text) + ' ' +
               std::string(req.target) + " (request " + std::string(req.request_id) +
               "): " + e.what());
  } catch (...) {
    log::error("unhandled non-standard exception in " + std::string(req.method_text) + ' ' +
               std::string(req.target));
  }
  res.clear();
  shape(res, 500, "internal_error", "internal server error");
}

}  // namespace tern::http
