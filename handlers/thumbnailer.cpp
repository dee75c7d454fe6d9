#include "handlers/thumbnailer.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <openssl/rand.h>
#include <cstdio>

#include "core/backoff.hpp"
#include "core/base64url.hpp"
#include "core/log.hpp"
#include "workers/images.hpp"

namespace tern::handlers {

namespace {

std::string temp_name() {
  unsigned char bytes[12];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no random bytes");
  return base64url_encode(bytes, sizeof bytes);
}

}  // namespace

void Thumbnailer::start(asio::any_io_executor ex, db::PgPool& pg, db::Image image) {
  asio::co_spawn(ex, make(pg, std::move(image)), asio::detached);
}

asio::awaitable<bool> Thumbnailer::attempt(db::PgPool& pg, const db::Image& image) {
  // Same name as the original, in thumb/; the saver picks the format from
  // the extension, so the temporary file keeps it too.
  auto dot = image.path.rfind('.');
  std::string ext = dot == std::string::npos ? "" : image.path.substr(dot);
  std::string temp = dirs_.temp + "/" + temp_name() + ext;
  auto thumbnail = [source = dirs_.root + "/" + image.path, temp] {
    return workers::make_thumbnail(source, temp);
  };
  std::string why = co_await cpu_.run(std::move(thumbnail));
  if (!why.empty()) {
    auto remove = [temp] { std::remove(temp.c_str()); };
    co_await io_.run(std::move(remove));
    log::warn("thumbnail of " + image.path + " failed: " + why);
    co_return false;
  }
  auto move = [temp, target = dirs_.thumbs + "/" + image.path] {
    return std::rename(temp.c_str(), target.c_str()) == 0;
  };
  bool moved = co_await io_.run(std::move(move));
  if (!moved) {
    log::warn("thumbnail of " + image.path + ": cannot move it into thumb/");
    co_return false;
  }
  std::string thumb_path = "thumb/" + image.path;
  co_await db::images::thumbnail_ready(pg, image.id, thumb_path);
  co_return true;
}

asio::awaitable<void> Thumbnailer::make(db::PgPool& pg, db::Image image) {
  Backoff backoff(std::chrono::milliseconds(500), std::chrono::seconds(8));
  for (int i = 1; i <= kAttempts; ++i) {
    try {
      if (co_await attempt(pg, image)) {
        metrics_.thumbnails_made.add();
        co_return;
      }
    } catch (const std::exception& e) {  // a full pool, the database away
      log::warn("thumbnail of " + image.path + ": " + e.what());
    }
    if (i == kAttempts) break;
    asio::steady_timer timer(co_await asio::this_coro::executor, backoff.next());
    co_await timer.async_wait(asio::use_awaitable);
  }
  log::warn("thumbnail of " + image.path + " given up after " + std::to_string(kAttempts) +
            " attempts; posts show the original");
  metrics_.thumbnails_failed.add();
  try {
    co_await db::images::thumbnail_failed(pg, image.id);
  } catch (const std::exception&) {
    // Still pending, then: the next start tries again.
  }
}

asio::awaitable<void> Thumbnailer::resume(db::PgPool& pg) {
  try {
    for (std::int64_t after = 0;;) {
      auto batch = co_await db::images::pending(pg, after, 64);
      if (batch.empty()) co_return;
      log::info("making " + std::to_string(batch.size()) + " thumbnails left pending");
      for (auto& image : batch) {
        after = image.id;
        co_await make(pg, image);
      }
    }
  } catch (const std::exception& e) {
    log::warn(std::string("pending thumbnails not resumed: ") + e.what());
  }
}

}  // namespace tern::handlers
