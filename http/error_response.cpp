#include "http/error_response.hpp"

#include <string>

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

void render_error(std::exception_ptr error, const Request& req, Response& res, ErrorShape shape) {
  res.clear();
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
      std::string line = "503 for ";
      line += req.path;
      line += " (request ";
      line += req.request_id;
      line += "): ";
      line += e.service();
      line += ": ";
      line += e.what();
      log::warn(line);
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
