#include "handlers/image_upload.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "core/log.hpp"
#include "core/random.hpp"
#include "http/error.hpp"

namespace tern::handlers {

using http::HttpError;

namespace {

// 128 random bits, base64url: a name nobody can guess or collide with.
std::string random_name() {
  return random_base64url(16);
}

// An upload that cannot be stored (disk full, read-only, gone) is the
// server's trouble, not the client's: 503, and the upload is removed.
[[noreturn]] void storage_failed(const char* what, int error) {
  log::warn(std::string("upload storage: ") + what + ": " + std::strerror(error));
  throw HttpError(503, "storage_unavailable", "the upload cannot be stored now; retry")
      .with_header("Retry-After", "1");
}

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) storage_failed("write", errno);
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

UploadDirs::UploadDirs(const std::string& upload_dir)
    : root(upload_dir), thumbs(upload_dir + "/thumb"), temp(upload_dir + "/.tmp") {}

void UploadDirs::create() const {
  for (const auto& dir : {root, thumbs, temp}) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw std::runtime_error("TERN_UPLOAD_DIR: cannot create " + dir + ": " + ec.message());
  }
}

ImageUpload::ImageUpload(const UploadDirs& dirs, Limits limits, ThreadPool& io, ThreadPool& cpu,
                         std::optional<std::string> boundary, bool media_type_ok, bool signed_in)
    : dirs_(dirs),
      limits_(limits),
      io_(io),
      cpu_(cpu),
      media_type_ok_(media_type_ok),
      signed_in_(signed_in) {
  if (boundary) parser_.emplace(std::move(*boundary));
}

ImageUpload::~ImageUpload() {
  // discard() is the normal way out of a refusal; this is the backstop for a
  // sink dropped without it (never on a loop thread: the unlink is queued).
  if (kept_ || temp_path_.empty()) return;
  io_.try_post([path = temp_path_, name = name_.empty() ? "" : dirs_.root + "/" + name_] {
    ::unlink(path.c_str());
    if (!name.empty()) ::unlink(name.c_str());
  });
}

void ImageUpload::refuse(int status, std::string code, std::string message) {
  if (!refused_) refused_ = std::make_exception_ptr(HttpError(status, code, message));
}

void ImageUpload::throw_if_refused() {
  if (refused_) std::rethrow_exception(*refused_);
}

void ImageUpload::part_begin(const http::PartHead& head) {
  if (head.name != "img" || !head.filename) return;  // a field: its bytes are counted, not kept
  if (image_done_ || in_image_) return refuse(400, "one_image", "send one image per upload");
  in_image_ = true;
}

void ImageUpload::part_data(std::string_view bytes) {
  if (!in_image_) {
    other_bytes_ += bytes.size();
    if (other_bytes_ > 4096) refuse(400, "invalid_upload", "form fields beside img are too large");
    return;
  }
  image_bytes_ += bytes.size();
  if (image_bytes_ > limits_.max_bytes)
    return refuse(413, "image_too_large",
                  "the image is over " + std::to_string(limits_.max_bytes) + " bytes");
  slice_.append(bytes);
  if (!format_ && slice_.size() >= workers::kSniffBytes) {
    format_ = workers::sniff_image(slice_);
    if (!format_) refuse(415, "unsupported_image", "the file is not a jpeg, png, webp or gif");
  }
}

void ImageUpload::part_end() {
  if (!in_image_) return;
  in_image_ = false;
  image_done_ = true;
  if (!format_) refuse(415, "unsupported_image", "the file is not a jpeg, png, webp or gif");
}

asio::awaitable<void> ImageUpload::flush_slice() {
  if (slice_.empty() || !format_) co_return;
  if (!file_) {
    temp_path_ = dirs_.temp + "/" + random_name();
    // (Each job is named before its co_await: g++ 12 mishandles temporaries
    // inside a co_await expression.)
    auto create = [path = temp_path_] {
      int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd < 0) storage_failed("open", errno);
      return fd;
    };
    int fd = co_await io_.run(std::move(create));
    file_ = std::make_shared<UniqueFd>(fd);
  }
  std::string bytes;
  bytes.swap(slice_);
  auto append = [file = file_, bytes = std::move(bytes)] { write_all(file->get(), bytes); };
  co_await io_.run(std::move(append));
}

asio::awaitable<void> ImageUpload::write(std::string_view bytes) {
  if (!signed_in_) throw HttpError(401, "unauthorized", "not logged in");
  if (!media_type_ok_)
    throw HttpError(415, "unsupported_media_type", "expected multipart/form-data");
  if (!parser_) throw HttpError(400, "invalid_upload", "missing or malformed multipart boundary");
  if (!parser_->feed(bytes, *this)) throw HttpError(400, "invalid_upload", parser_->error());
  throw_if_refused();
  if (slice_.size() >= kSlice) co_await flush_slice();
}

asio::awaitable<void> ImageUpload::finish() {
  std::string_view nothing;
  co_await write(nothing);
  if (!parser_->finish()) throw HttpError(400, "invalid_upload", parser_->error());
  if (!image_done_) throw HttpError(400, "missing_image", "no file in the img field");
  co_await flush_slice();
  // Synced before it is named, so a name in the database is a whole file.
  auto sync = [file = file_] {
    if (::fsync(file->get()) != 0) storage_failed("fsync", errno);
    if (file->reset() != 0) storage_failed("close", errno);
  };
  co_await io_.run(std::move(sync));
  auto probe = [path = temp_path_, format = *format_] {
    return workers::probe_image(path, format);
  };
  auto header = co_await cpu_.run(std::move(probe));
  if (!header) throw HttpError(415, "unsupported_image", "the file is not a readable image");
  auto pixels =
      static_cast<std::uint64_t>(header->width) * static_cast<std::uint64_t>(header->height);
  if (pixels > limits_.max_pixels || static_cast<unsigned>(header->pages) > limits_.max_pages)
    throw HttpError(415, "image_too_big",
                    "the image has too many pixels or frames (" + std::to_string(header->width) +
                        "x" + std::to_string(header->height) + ", " +
                        std::to_string(header->pages) + " frames)");
  name_ = random_name() + "." + std::string(workers::extension(*format_));
  auto name = [from = temp_path_, to = dirs_.root + "/" + name_] {
    if (::rename(from.c_str(), to.c_str()) != 0) storage_failed("rename", errno);
  };
  co_await io_.run(std::move(name));
}

asio::awaitable<void> ImageUpload::discard() {
  if (kept_ || temp_path_.empty()) co_return;
  std::string temp = std::exchange(temp_path_, {});
  std::string named = name_.empty() ? "" : dirs_.root + "/" + name_;
  auto remove = [file = file_, temp, named] {
    if (file) file->reset();
    ::unlink(temp.c_str());
    if (!named.empty()) ::unlink(named.c_str());
  };
  co_await io_.run(std::move(remove));
}

}  // namespace tern::handlers
