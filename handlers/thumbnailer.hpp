// Thumbnails, made after the answer and never on a loop: libvips on the CPU
// pool writes into .tmp/, the I/O pool renames the file into thumb/ (so a
// thumbnail URL is whole or 404), then the image row is marked ready and
// posts show thumbUrl. A failure is logged and retried with backoff; after
// the last attempt the row is marked failed and the post keeps showing the
// original. Thumbnails still pending when a process stopped are made after
// the next start (resume(), through the images_pending_idx).
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "core/metrics.hpp"
#include "core/thread_pool.hpp"
#include "db/images.hpp"
#include "db/pg_pool.hpp"
#include "handlers/image_upload.hpp"

namespace tern::handlers {

class Thumbnailer {
 public:
  static constexpr int kAttempts = 4;

  // Counts what it makes and gives up on in `metrics`.
  Thumbnailer(const UploadDirs& dirs, ThreadPool& cpu, ThreadPool& io, metrics::Metrics& metrics)
      : dirs_(dirs), cpu_(cpu), io_(io), metrics_(metrics) {}

  // Starts the thumbnail of `image` on `ex` (the loop that owns `pg`).
  void start(asio::any_io_executor ex, db::PgPool& pg, db::Image image);
  // Makes every thumbnail still pending, oldest first, one at a time.
  asio::awaitable<void> resume(db::PgPool& pg);

 private:
  asio::awaitable<void> make(db::PgPool& pg, db::Image image);
  asio::awaitable<bool> attempt(db::PgPool& pg, const db::Image& image);

  const UploadDirs& dirs_;
  ThreadPool& cpu_;
  ThreadPool& io_;
  metrics::Metrics& metrics_;
};

}  // namespace tern::handlers
