// `tern seed`: demo and bench data — users, follows, posts with hashtags
// from a small vocabulary, likes, comments, replies, and some posts with
// images — written by PostgreSQL itself (generate_series, one transaction)
// so that 10,000 posts take a second, not a minute of round trips.
//
// Deterministic for a given seed: PostgreSQL's random() is seeded with
// setseed() and the statements run in a fixed order in one session without
// parallel workers, so the same options on an empty database give the same
// rows; fingerprint() hashes a batch relative to its own first ids, so two
// batches can be compared even where ids differ.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace tern::db {

struct SeedOptions {
  int users = 100;
  int posts = 1000;
  std::uint32_t seed = 1;
  std::string prefix = "seed";  // emails are <prefix><n>@seed.tern (n from 1)
  std::string password_hash;    // every seeded user's (PHC string)
  // Images already on disk under TERN_UPLOAD_DIR, with their thumbnails
  // made: {path, format, thumb_path}. Each goes to one post.
  struct StoredImage {
    std::string path, format, thumb_path;
  };
  std::vector<StoredImage> images;
};

struct SeedResult {
  std::int64_t users = 0, follows = 0, posts = 0, hashtags = 0, likes = 0, comments = 0,
               replies = 0, images = 0;
  std::string fingerprint;  // md5 of the batch's content, ids made relative
};

// Throws std::runtime_error with PostgreSQL's message on failure (nothing
// is written then: one transaction).
SeedResult seed(const std::string& database_url, const SeedOptions& options);

}  // namespace tern::db
