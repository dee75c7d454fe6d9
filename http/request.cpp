#include "http/request.hpp"

#include "core/json_reader.hpp"
#include "http/error.hpp"
#include "http/text.hpp"

namespace tern::http {

std::string_view method_name(Method m) {
  switch (m) {
    case Method::get:
      return "GET";
    case Method::head:
      return "HEAD";
    case Method::post:
      return "POST";
    case Method::put:
      return "PUT";
    case Method::patch:
      return "PATCH";
    case Method::del:
      return "DELETE";
    case Method::options:
      return "OPTIONS";
    case Method::other:
      break;
  }
  return "OTHER";
}

std::optional<std::string_view> Request::header(std::string_view lower_name) const {
  for (const auto& h : headers)
    if (h.name == lower_name) return h.value;
  return std::nullopt;
}

std::string_view Request::param(std::string_view name) const {
  for (const auto& [k, v] : params)
    if (k == name) return v;
  return {};
}

const Params& Request::query_params() {
  if (!query_params_) {
    auto parsed = parse_query(query);
    if (!parsed) throw HttpError(400, "bad_query", "malformed query string");
    query_params_ = std::move(*parsed);
  }
  return *query_params_;
}

Params Request::fields() {
  std::string_view type = header("content-type").value_or("");
  type = trim_ows(type.substr(0, type.find(';')));
  if (iequals(type, "application/json")) {
    auto r = read_json_object(body);
    if (!r.fields) throw HttpError(400, "invalid_json", r.error);
    return std::move(*r.fields);
  }
  if (iequals(type, "application/x-www-form-urlencoded")) {
    auto r = parse_query(body);
    if (!r) throw HttpError(400, "invalid_form", "malformed urlencoded body");
    return std::move(*r);
  }
  throw HttpError(415, "unsupported_media_type",
                  "expected application/json or application/x-www-form-urlencoded");
}

void Request::shrink(std::size_t keep) {
  if (body.capacity() > keep) release_buffer(body);
  if (head_.capacity() > keep) release_buffer(head_);
  if (headers.capacity() * sizeof(Header) > keep) std::vector<Header>().swap(headers);
}

void Request::clear() {
  method = Method::other;
  method_text = target = path = query = {};
  version_major = version_minor = 1;
  headers.clear();
  // A connection keeps its buffers between requests, but not a large one
  // that a single big request left behind.
  if (body.capacity() > (64 << 10)) release_buffer(body);
  body.clear();
  keep_alive = true;
  params.clear();
  identity = {};
  body_sink.reset();
  head_.clear();
  query_params_.reset();
}

}  // namespace tern::http
