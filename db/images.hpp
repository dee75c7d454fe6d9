// Uploaded images and the state of their thumbnails. Paths are relative to
// TERN_UPLOAD_DIR; an image's public URL is "/uploads/" + path, and a post
// names its image by that URL (find_by_path).
#pragma once

#include <asio/awaitable.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/pg_pool.hpp"

namespace tern::db {

struct Image {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string path;
  std::string format;       // jpeg | png | webp | gif
  std::string thumb_state;  // pending | ready | failed
  std::optional<std::string> thumb_path;
};

namespace images {

asio::awaitable<Image> create(PgPool& pool, std::int64_t user_id, std::string path,
                              std::string format);
asio::awaitable<std::optional<Image>> find_by_path(PgPool& pool, std::string path);
asio::awaitable<void> thumbnail_ready(PgPool& pool, std::int64_t id, std::string thumb_path);
asio::awaitable<void> thumbnail_failed(PgPool& pool, std::int64_t id);
// Thumbnails still to make with ids above `after`, oldest first: what a
// restarted server resumes (walking the ids, so one that stays pending is
// not picked up twice).
asio::awaitable<std::vector<Image>> pending(PgPool& pool, std::int64_t after, int limit);

}  // namespace images
}  // namespace tern::db
