// The application: every route of tern, wired into one router.
#pragma once

#include <memory>

#include "core/config.hpp"
#include "core/thread_pool.hpp"
#include "http/router.hpp"
#include "http/static_files.hpp"

namespace tern::handlers {

class App {
 public:
  App(const Config& config, ThreadPool& pool);
  http::Router& router() { return router_; }

 private:
  const Config& config_;
  http::Router router_;
  http::StaticFiles web_;
};

}  // namespace tern::handlers
