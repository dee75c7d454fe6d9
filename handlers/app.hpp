// The application: every route of tern, wired into one router.
#pragma once

#include <memory>

#include "core/config.hpp"
#include "core/thread_pool.hpp"
#include "handlers/hash_admission.hpp"
#include "handlers/image_upload.hpp"
#include "handlers/loop_services.hpp"
#include "handlers/thumbnailer.hpp"
#include "http/router.hpp"
#include "http/static_files.hpp"

namespace tern::handlers {

// The two pools every App needs (core/thread_pool.hpp): `cpu` for hashing
// and images, `io` for file reads and writes. Both must outlive the App.
struct Pools {
  ThreadPool& cpu;
  ThreadPool& io;
};

class App {
 public:
  // `metrics` must outlive the App: /metrics renders it, and the server
  // given loop_hooks() must register its loops there too.
  App(const Config& config, Pools pools, metrics::Metrics& metrics);
  http::Router& router() { return router_; }
  // Give these to the http::Server: each loop's PostgreSQL and Redis.
  http::LoopHooks& loop_hooks() { return loop_services_; }

 private:
  const Config& config_;
  http::Router router_;
  http::StaticFiles web_;
  HashAdmission hashing_;
  UploadDirs uploads_;
  Thumbnailer thumbnailer_;
  LoopServicesHooks loop_services_;
};

}  // namespace tern::handlers
