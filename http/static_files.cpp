#include "http/static_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>

#include "http/date.hpp"
#include "http/error.hpp"
#include "http/text.hpp"
#include "http/url.hpp"

namespace tern::http {

struct StaticFiles::Entry {
  std::string body;
  std::string content_type;
  std::string etag;
  std::time_t modified = 0;
  std::int64_t mtime_ns = 0;
  std::size_t size = 0;
  std::chrono::steady_clock::time_point checked;
};

namespace {

constexpr auto kRevalidateEvery = std::chrono::seconds(1);
// API.md: what a page may load. No inline script or style, so an injected
// tag cannot run; no framing (clickjacking), no <base> rewriting.
constexpr const char* kPageCsp =
    "default-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'";

std::string_view extension(std::string_view name) {
  auto dot = name.rfind('.');
  auto slash = name.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return {};
  return name.substr(dot + 1);
}

// Decodes the URL path into a relative file path, refusing anything that
// could climb out of the root or reach a hidden file.
std::optional<std::string> safe_relative(std::string_view url_path) {
  auto decoded = percent_decode(url_path);
  if (!decoded) return std::nullopt;
  std::string out;
  std::string_view rest = *decoded;
  while (!rest.empty()) {
    auto slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (seg.empty()) continue;
    if (seg.front() == '.' || seg.find('\\') != std::string_view::npos) return std::nullopt;
    if (!out.empty()) out += '/';
    out += seg;
  }
  return out;
}

bool etag_matches(std::string_view header, std::string_view etag) {
  // If-None-Match uses weak comparison: W/ prefixes are ignored.
  auto strip = [](std::string_view t) { return t.starts_with("W/") ? t.substr(2) : t; };
  while (!header.empty()) {
    auto comma = header.find(',');
    std::string_view t = trim_ows(header.substr(0, comma));
    if (t == "*" || strip(t) == strip(etag)) return true;
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
  }
  return false;
}

}  // namespace

StaticFiles::StaticFiles(std::filesystem::path root, ThreadPool& pool, std::size_t max_file_bytes)
    : root_(std::move(root)), pool_(pool), max_file_bytes_(max_file_bytes) {}

std::string_view StaticFiles::content_type_for(std::string_view filename) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kTypes{{
      {"html", "text/html; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"json", "application/json"},
      {"txt", "text/plain; charset=utf-8"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"ico", "image/x-icon"},
      {"woff2", "font/woff2"},
      {"map", "application/json"},
      {"webmanifest", "application/manifest+json"},
  }};
  std::string_view ext = extension(filename);
  for (const auto& [e, type] : kTypes)
    if (e == ext) return type;
  return "application/octet-stream";
}

std::shared_ptr<const StaticFiles::Entry> StaticFiles::cached(const std::string& relative) {
  std::lock_guard lock(mu_);
  auto it = cache_.find(relative);
  if (it == cache_.end()) return nullptr;
  if (std::chrono::steady_clock::now() - it->second->checked > kRevalidateEvery) return nullptr;
  return it->second;
}

// Runs on the worker pool: every call here may block.
std::shared_ptr<const StaticFiles::Entry> StaticFiles::load(const std::string& relative) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path root = fs::canonical(root_, ec);
  if (ec) return nullptr;
  fs::path path = fs::canonical(root / relative, ec);
  if (ec) return nullptr;
  if (fs::is_directory(path, ec)) path /= "index.html";
  // Symlinks must not lead outside the root.
  auto rel = path.lexically_relative(root);
  if (rel.empty() || *rel.begin() == "..") return nullptr;

  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return nullptr;
  if (static_cast<std::size_t>(st.st_size) > max_file_bytes_) return nullptr;
  std::int64_t mtime_ns =
      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;

  auto now = std::chrono::steady_clock::now();
  {
    // Unchanged on disk: keep the bytes, only renew the check time.
    std::lock_guard lock(mu_);
    auto it = cache_.find(relative);
    if (it != cache_.end() && it->second->mtime_ns == mtime_ns &&
        it->second->size == static_cast<std::size_t>(st.st_size)) {
      auto renewed = std::make_shared<Entry>(*it->second);
      renewed->checked = now;
      it->second = renewed;
      return renewed;
    }
  }

  auto entry = std::make_shared<Entry>();
  entry->body.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < entry->body.size()) {
    ssize_t n = ::read(fd, entry->body.data() + got, entry->body.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  entry->body.resize(got);
  entry->size = static_cast<std::size_t>(st.st_size);
  entry->mtime_ns = mtime_ns;
  entry->modified = st.st_mtim.tv_sec;
  entry->content_type = std::string(content_type_for(path.filename().string()));
  char etag[48];
  std::snprintf(etag, sizeof etag, "W/\"%zx-%llx\"", entry->size,
                static_cast<unsigned long long>(mtime_ns));
  entry->etag = etag;
  entry->checked = now;
  std::lock_guard lock(mu_);
  cache_[relative] = entry;
  return entry;
}

asio::awaitable<void> StaticFiles::serve(Request& req, Response& res) {
  auto relative = safe_relative(req.path);
  if (!relative) throw HttpError(404, "not_found", "no such file");
  co_await serve_file(std::move(*relative), req, res);
}

asio::awaitable<void> StaticFiles::serve_file(std::string relative, Request& req, Response& res) {
  auto entry = cached(relative);
  if (!entry) {
    // A named job, not a temporary inside the co_await: g++ 12 relocates such
    // temporaries bitwise, which breaks a captured std::string's SSO pointer.
    auto job = [this, relative] { return load(relative); };
    entry = co_await pool_.run(std::move(job));
  }
  if (!entry) throw HttpError(404, "not_found", "no such file");

  res.set_header("ETag", entry->etag);
  res.set_header("Last-Modified", format_http_date(entry->modified));
  res.set_header("Cache-Control", "no-cache");
  if (entry->content_type.starts_with("text/html"))
    res.set_header("Content-Security-Policy", kPageCsp);
  bool fresh = false;
  if (auto inm = req.header("if-none-match")) {
    fresh = etag_matches(*inm, entry->etag);
  } else if (auto ims = req.header("if-modified-since")) {
    auto t = parse_http_date(*ims);
    fresh = t && *t >= entry->modified;
  }
  if (fresh) {
    res.status = 304;
    co_return;
  }
  res.status = 200;
  res.content_type = entry->content_type;
  res.body = entry->body;
}

}  // namespace tern::http
