// Operational routes: /healthz, and the TechEmpower-style /plaintext and /json
// that measure the framework itself (bench/).
#pragma once

#include "http/router.hpp"

namespace tern::handlers {

void add_ops_routes(http::Router& router);

}  // namespace tern::handlers
