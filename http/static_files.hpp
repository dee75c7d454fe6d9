// Static files (the web client, later the uploads), served without blocking
// the loop: stat() and read() run on the I/O pool, and a file's bytes are
// cached in memory and revalidated against the disk at most once a second, so
// a hot file costs no system call at all. Paths are decoded and checked
// segment by segment (no "..", no hidden files) and the resolved file must
// lie inside the root even after symlinks, so nothing outside it is served.
// Responses carry ETag and Last-Modified; matching If-None-Match or
// If-Modified-Since gets 304.
#pragma once

#include <asio/awaitable.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/thread_pool.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace tern::http {

class StaticFiles {
 public:
  StaticFiles(std::filesystem::path root, ThreadPool& pool, std::size_t max_file_bytes = 32 << 20);

  // Serves the file named by req.path (a directory serves its index.html);
  // throws HttpError 404 when there is none.
  asio::awaitable<void> serve(Request& req, Response& res);
  // Serves one file relative to the root, whatever the path (SPA routes).
  asio::awaitable<void> serve_file(std::string relative, Request& req, Response& res);

  // "text/css; charset=utf-8" for "x.css"; application/octet-stream if unknown.
  static std::string_view content_type_for(std::string_view filename);

  struct Entry;

 private:
  std::shared_ptr<const Entry> cached(const std::string& relative);
  std::shared_ptr<const Entry> load(const std::string& relative);  // on the pool

  std::filesystem::path root_;
  ThreadPool& pool_;
  std::size_t max_file_bytes_;
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const Entry>> cache_;
};

}  // namespace tern::http
