#include "handlers/uploads.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <asio/this_coro.hpp>

#include <cerrno>

#include "core/json_writer.hpp"
#include "db/images.hpp"
#include "handlers/auth.hpp"
#include "handlers/loop_services.hpp"
#include "handlers/session_cookie.hpp"
#include "http/cookie.hpp"
#include "http/error.hpp"
#include "http/text.hpp"

namespace tern::handlers {

using http::HttpError;
using http::Request;
using http::Response;

namespace {

constexpr std::size_t kFormOverhead = 16 << 10;  // boundaries and part headers beside the file

// "name.ext" or "thumb/name.ext" as tern names them: base64url, one dot, a
// known extension. Anything else is no upload of ours (404), so no path
// trick can reach another file.
std::optional<workers::ImageFormat> upload_name(std::string_view path) {
  if (path.starts_with("thumb/")) path.remove_prefix(6);
  auto dot = path.find('.');
  if (dot == 0 || dot == std::string_view::npos || dot > 64) return std::nullopt;
  for (char c : path.substr(0, dot))
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return std::nullopt;
  auto ext = path.substr(dot + 1);
  if (ext == "jpg") return workers::ImageFormat::jpeg;
  auto f = workers::format_from_name(ext);
  return f == workers::ImageFormat::jpeg ? std::nullopt : f;
}

std::string content_type_of(workers::ImageFormat f) {
  return "image/" + std::string(workers::format_name(f));
}

struct FileRead {
  int error = 0;  // errno; ENOENT: 404
  std::string bytes;
};

FileRead read_file(const std::string& path, std::size_t max) {
  FileRead out;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0) {
    out.error = errno;
    return out;
  }
  if (!S_ISREG(st.st_mode) || static_cast<std::size_t>(st.st_size) > max) {
    out.error = ENOENT;
    return out;
  }
  out.bytes.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < out.bytes.size()) {
    ssize_t n = ::read(fd.get(), out.bytes.data() + got, out.bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      out.error = n < 0 ? errno : EIO;
      return out;
    }
    got += static_cast<std::size_t>(n);
  }
  return out;
}

}  // namespace

void add_upload_routes(http::Router& router, const Config& config, ThreadPool& cpu, ThreadPool& io,
                       const UploadDirs& dirs, Thumbnailer& thumbnailer) {
  ImageUpload::Limits limits{config.max_upload_bytes, config.max_image_pixels,
                             config.max_image_pages};
  auto sink = [&config, &cpu, &io, &dirs, limits](const Request& req) {
    auto type = req.header("content-type").value_or("");
    auto media = http::trim_ows(type.substr(0, type.find(';')));
    bool multipart = http::iequals(media, "multipart/form-data");
    // The session's MAC is checked now, without the store, so that a forged
    // or missing cookie never gets a byte onto the disk; the store is asked
    // once the body is in, as for every route.
    bool signed_in = false;
    if (auto header = req.header("cookie"))
      if (auto cookie = http::find_cookie(http::parse_cookies(*header), "sid"))
        signed_in = verify_session_cookie(*cookie, config.session_secret).has_value();
    return std::make_unique<ImageUpload>(dirs, limits, io, cpu, http::multipart_boundary(type),
                                         multipart, signed_in);
  };
  router.post(
      "/api/images",
      [&thumbnailer](Request& req, Response& res) -> asio::awaitable<void> {
        auto user = require_signed_in(req);
        auto& upload = static_cast<ImageUpload&>(*req.body_sink);
        auto& pg = services_of(req).pg();
        std::string name = upload.name(), format(workers::format_name(upload.format()));
        auto image = co_await db::images::create(pg, user, name, format);
        upload.keep();
        auto executor = co_await asio::this_coro::executor;
        thumbnailer.start(executor, pg, image);
        std::string body;
        JsonWriter w(body);
        w.begin_object().field("url", "/uploads/" + image.path).key("thumbUrl").null().end_object();
        res.json(201, std::move(body));
      },
      {.max_body = config.max_upload_bytes + kFormOverhead, .body_sink = sink});

  router.get("/uploads/*path",
             [&io, &dirs, &config](Request& req, Response& res) -> asio::awaitable<void> {
               std::string path(req.param("path"));
               auto format = upload_name(path);
               if (!format) throw HttpError(404, "not_found", "no such upload");
               auto read = [full = dirs.root + "/" + path, max = config.max_upload_bytes] {
                 return read_file(full, max);
               };
               auto file = co_await io.run(std::move(read));
               if (file.error == ENOENT || file.error == ENOTDIR || file.error == ELOOP)
                 throw HttpError(404, "not_found", "no such upload");
               if (file.error)
                 throw HttpError(503, "storage_unavailable", "the upload cannot be read now")
                     .with_header("Retry-After", "1");
               res.status = 200;
               res.content_type = content_type_of(*format);
               res.body = std::move(file.bytes);
               res.set_header("Cache-Control", "public, max-age=31536000, immutable");
             });
}

}  // namespace tern::handlers
