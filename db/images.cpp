#include "db/images.hpp"

namespace tern::db::images {

namespace {

#define TERN_IMAGE_COLUMNS "id, user_id, path, format, thumb_state, thumb_path"
const Statement kCreate{"images_create",
                        "INSERT INTO images (user_id, path, format) VALUES ($1, $2, $3) "
                        "RETURNING " TERN_IMAGE_COLUMNS};
const Statement kByPath{"images_by_path",
                        "SELECT " TERN_IMAGE_COLUMNS " FROM images WHERE path = $1"};
const Statement kPending{"images_pending", "SELECT " TERN_IMAGE_COLUMNS
                                           " FROM images WHERE thumb_state = 'pending' "
                                           "AND id > $1 ORDER BY id LIMIT $2"};
#undef TERN_IMAGE_COLUMNS
const Statement kReady{"images_ready",
                       "UPDATE images SET thumb_state = 'ready', thumb_path = $2 WHERE id = $1"};
const Statement kFailed{"images_failed", "UPDATE images SET thumb_state = 'failed' WHERE id = $1"};

Image image_from(const Row& r) {
  return {r.get<std::int64_t>(0), r.get<std::int64_t>(1), r.get<std::string>(2),
          r.get<std::string>(3),  r.get<std::string>(4),  r.get<std::optional<std::string>>(5)};
}

}  // namespace

asio::awaitable<Image> create(PgPool& pool, std::int64_t user_id, std::string path,
                              std::string format) {
  auto r = co_await pool.query(kCreate, user_id, path, format);
  co_return image_from(r.front());
}

asio::awaitable<std::optional<Image>> find_by_path(PgPool& pool, std::string path) {
  auto r = co_await pool.query(kByPath, path);
  if (r.empty()) co_return std::nullopt;
  co_return image_from(r.front());
}

asio::awaitable<void> thumbnail_ready(PgPool& pool, std::int64_t id, std::string thumb_path) {
  co_await pool.query(kReady, id, thumb_path);
}

asio::awaitable<void> thumbnail_failed(PgPool& pool, std::int64_t id) {
  co_await pool.query(kFailed, id);
}

asio::awaitable<std::vector<Image>> pending(PgPool& pool, std::int64_t after, int limit) {
  auto r = co_await pool.query(kPending, after, limit);
  std::vector<Image> out;
  for (Row row : r)
    out.push_back(image_from(row));
  co_return out;
}

}  // namespace tern::db::images
