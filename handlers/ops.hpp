// Operational routes: /healthz, /readyz, /metrics, and the TechEmpower-style
// /plaintext and /json that measure the framework itself (bench/).
#pragma once

#include "core/config.hpp"
#include "core/metrics.hpp"
#include "http/router.hpp"

namespace tern::handlers {

// GET /metrics renders `metrics` (Prometheus text), to the clients
// TERN_METRICS allows; `metrics` must outlive the router.
void add_ops_routes(http::Router& router, const Config& config, const metrics::Metrics& metrics);

}  // namespace tern::handlers
