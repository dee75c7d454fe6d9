#include "handlers/domains.hpp"

#include "core/json_writer.hpp"
#include "core/origin.hpp"
#include "core/random.hpp"
#include "db/domains.hpp"
#include "handlers/auth.hpp"
#include "handlers/input.hpp"
#include "handlers/loop_services.hpp"
#include "handlers/token_state.hpp"
#include "http/error.hpp"

namespace tern::handlers {

using http::HttpError;
using http::Request;
using http::Response;

namespace {

// Enough for any real integration; a cap so one account cannot grow the
// in-memory CORS table of every process without bound.
constexpr std::int64_t kMaxDomainsPerUser = 50;

void write_domain(JsonWriter& w, const db::Domain& d) {
  w.begin_object()
      .field("id", d.id)
      .field("host", d.host)
      .field("type", d.type)
      .field("clientSecret", d.client_secret)
      .field("createdAt", d.created_at)
      .end_object();
}

asio::awaitable<void> create_domain(Request& req, Response& res) {
  auto user = require_signed_in(req);
  auto fields = req.fields();
  auto host = normalize_domain_host(field(fields, "host"));
  if (!host)
    throw HttpError(400, "invalid_host",
                    "host must be a host name with an optional port, like example.com:4000");
  auto type = field(fields, "type");
  if (type.empty()) type = "free";
  if (type != "free" && type != "premium")
    throw HttpError(400, "invalid_type", "type must be free or premium");
  // 256 bits: a secret is a password the third-party server keeps.
  auto secret = random_base64url(32);
  auto domain =
      co_await db::domains::create(services_of(req).pg(), user, std::move(*host), std::move(type),
                                   std::move(secret), kMaxDomainsPerUser);
  if (!domain)
    throw HttpError(409, "too_many_domains", "an account can register at most 50 domains");
  auto& services = services_of(req);
  services.tokens().add_host(domain->host);
  co_await TokenState::publish_host_change(services.redis(), domain->host);
  std::string body;
  JsonWriter w(body);
  write_domain(w, *domain);
  res.json(201, std::move(body));
}

asio::awaitable<void> list_domains(Request& req, Response& res) {
  auto user = require_signed_in(req);
  auto domains = co_await db::domains::list(services_of(req).pg(), user);
  std::string body;
  JsonWriter w(body);
  w.begin_object().key("domains").begin_array();
  for (const auto& d : domains)
    write_domain(w, d);
  w.end_array().end_object();
  res.json(200, std::move(body));
}

asio::awaitable<void> delete_domain(Request& req, Response& res) {
  auto user = require_signed_in(req);
  auto id = path_id(req, "id");
  auto& services = services_of(req);
  auto removed = co_await db::domains::remove(services.pg(), id, user);
  switch (removed.outcome) {
    case db::Removal::deleted:
      co_await TokenState::publish_host_change(services.redis(), std::move(removed.host));
      res.no_content();
      co_return;
    case db::Removal::forbidden:
      throw HttpError(403, "not_owner", "only its owner can delete a domain");
    case db::Removal::not_found:
      throw HttpError(404, "domain_not_found", "no such domain");
  }
}

}  // namespace

void add_domain_routes(http::Router& router) {
  router.post("/api/domains", create_domain);
  router.get("/api/domains", list_domains);
  router.del("/api/domains/:id", delete_domain);
}

}  // namespace tern::handlers
