// The domains a user registers for the token API (API.md, "Token API"):
// POST /api/domains issues a client secret, GET lists the caller's with
// their secrets, DELETE removes one (owner only).
#pragma once

#include "http/router.hpp"

namespace tern::handlers {

void add_domain_routes(http::Router& router);

}  // namespace tern::handlers
