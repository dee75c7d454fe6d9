// POST /api/images' body, streamed to disk as it arrives (an http::BodySink):
// the multipart parser finds the `img` part, its first bytes must be a jpeg,
// png, webp or gif (else 415 at once), and its bytes go to a temporary file
// through the I/O pool in slices of at most kSlice — memory per upload stays
// at one slice whatever the file's size. Past TERN_MAX_UPLOAD_BYTES it is
// 413 at once. When the body is complete, libvips reads the header on the
// CPU pool (the right loader? not a decompression bomb?), the file is synced
// and renamed to a random name: the original is stored before the answer.
// Refused or cut off, the temporary file is removed (discard()).
#pragma once

#include <optional>
#include <string>

#include "core/config.hpp"
#include "core/thread_pool.hpp"
#include "core/unique_fd.hpp"
#include "http/body_sink.hpp"
#include "http/multipart.hpp"
#include "workers/images.hpp"

namespace tern::handlers {

// Where uploads live under TERN_UPLOAD_DIR: originals at the top, thumbnails
// in thumb/, files being written in .tmp/ (never served).
struct UploadDirs {
  std::string root, thumbs, temp;
  explicit UploadDirs(const std::string& upload_dir);
  void create() const;  // at start-up; throws std::runtime_error naming the directory
};

class ImageUpload final : public http::BodySink, private http::MultipartParser::Handler {
 public:
  static constexpr std::size_t kSlice = 256 << 10;

  struct Limits {
    std::size_t max_bytes;
    std::uint64_t max_pixels;
    unsigned max_pages;
  };
  // `boundary`: empty when the Content-Type was not multipart/form-data with
  // a valid boundary; `signed_in`: the cookie carried a genuine session MAC
  // (checked without the store, before any byte is written).
  ImageUpload(const UploadDirs& dirs, Limits limits, ThreadPool& io, ThreadPool& cpu,
              std::optional<std::string> boundary, bool media_type_ok, bool signed_in);
  ~ImageUpload() override;

  asio::awaitable<void> write(std::string_view bytes) override;
  asio::awaitable<void> finish() override;
  asio::awaitable<void> discard() override;

  // After finish(): the stored file's name under the upload root, its format.
  const std::string& name() const { return name_; }
  workers::ImageFormat format() const { return *format_; }
  // The upload is recorded: keep the file when this sink goes.
  void keep() { kept_ = true; }

 private:
  void part_begin(const http::PartHead& head) override;
  void part_data(std::string_view bytes) override;
  void part_end() override;
  void refuse(int status, std::string code, std::string message);
  asio::awaitable<void> flush_slice();
  void throw_if_refused();

  const UploadDirs& dirs_;
  Limits limits_;
  ThreadPool& io_;
  ThreadPool& cpu_;
  std::optional<http::MultipartParser> parser_;
  bool media_type_ok_, signed_in_;

  bool in_image_ = false, image_done_ = false;
  std::size_t image_bytes_ = 0, other_bytes_ = 0;
  std::string slice_;  // image bytes not yet written
  std::optional<workers::ImageFormat> format_;
  std::shared_ptr<UniqueFd> file_;  // shared with the pool job writing to it
  std::string temp_path_, name_;
  bool kept_ = false;
  std::optional<std::exception_ptr> refused_;
};

}  // namespace tern::handlers
