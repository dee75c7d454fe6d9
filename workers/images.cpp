#include "workers/images.hpp"

#include <vips/vips.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace tern::workers {

namespace {

struct Unref {
  void operator()(VipsImage* image) const { g_object_unref(image); }
};
using Image = std::unique_ptr<VipsImage, Unref>;

// libvips keeps per-thread buffers; pool threads give them back after each job.
struct ThreadDone {
  ~ThreadDone() { vips_thread_shutdown(); }
};

std::string vips_failure() {
  std::string why = vips_error_buffer();
  vips_error_clear();
  while (!why.empty() && why.back() == '\n')
    why.pop_back();
  return why.empty() ? "libvips failed" : why;
}

}  // namespace

std::optional<ImageFormat> sniff_image(std::string_view b) {
  if (b.size() < kSniffBytes) return std::nullopt;
  if (b.starts_with("\xFF\xD8\xFF")) return ImageFormat::jpeg;
  if (b.starts_with("\x89PNG\r\n\x1A\n")) return ImageFormat::png;
  if (b.starts_with("GIF87a") || b.starts_with("GIF89a")) return ImageFormat::gif;
  if (b.starts_with("RIFF") && b.substr(8, 4) == "WEBP") return ImageFormat::webp;
  return std::nullopt;
}

std::string_view format_name(ImageFormat f) {
  switch (f) {
    case ImageFormat::jpeg:
      return "jpeg";
    case ImageFormat::png:
      return "png";
    case ImageFormat::webp:
      return "webp";
    case ImageFormat::gif:
      return "gif";
  }
  return {};
}

std::string_view extension(ImageFormat f) {
  return f == ImageFormat::jpeg ? "jpg" : format_name(f);
}

std::optional<ImageFormat> format_from_name(std::string_view name) {
  for (auto f : {ImageFormat::jpeg, ImageFormat::png, ImageFormat::webp, ImageFormat::gif})
    if (format_name(f) == name) return f;
  return std::nullopt;
}

void init_images() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (VIPS_INIT("tern") != 0) throw std::runtime_error("libvips: " + vips_failure());
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
    // The pools are the concurrency: one libvips worker per job.
    vips_concurrency_set(1);
    vips_operation_block_set("VipsForeignLoad", TRUE);
    for (const char* allowed : {"VipsForeignLoadJpeg", "VipsForeignLoadPng", "VipsForeignLoadWebp",
                                "VipsForeignLoadNsgif"})
      vips_operation_block_set(allowed, FALSE);
  });
}

std::optional<ImageHeader> probe_image(const std::string& path, ImageFormat expected) {
  ThreadDone done;
  // The loader of the format the magic bytes named, called by name: libvips'
  // own sniffing (vips_foreign_find_load) would ask every loader's is_a() —
  // blocked ones included — whether it wants the file. Opening is lazy: the
  // loader reads the header; pixels wait for a consumer that never comes.
  VipsImage* out = nullptr;
  const char* file = path.c_str();
  int failed = 1;
  switch (expected) {
    case ImageFormat::jpeg:
      failed = vips_jpegload(file, &out, "access", VIPS_ACCESS_SEQUENTIAL, nullptr);
      break;
    case ImageFormat::png:
      failed = vips_pngload(file, &out, "access", VIPS_ACCESS_SEQUENTIAL, nullptr);
      break;
    case ImageFormat::webp:
      failed = vips_webpload(file, &out, "access", VIPS_ACCESS_SEQUENTIAL, nullptr);
      break;
    case ImageFormat::gif:
      failed = vips_gifload(file, &out, "access", VIPS_ACCESS_SEQUENTIAL, nullptr);
      break;
  }
  if (failed) {
    vips_error_clear();
    return std::nullopt;
  }
  Image image(out);
  return ImageHeader{vips_image_get_width(image.get()), vips_image_get_page_height(image.get()),
                     vips_image_get_n_pages(image.get())};
}

// vips_thumbnail picks its loader by sniffing, highest priority first; every
// file that gets here passed sniff_image() and probe_image(), and for those
// magic numbers the jpeg, png, webp and gif loaders claim the file before
// any lower-priority (and blocked) loader is asked.
std::string make_thumbnail(const std::string& source, const std::string& target, int box) {
  ThreadDone done;
  VipsImage* out = nullptr;
  // A truncated or corrupt image fails (as sharp's default does) instead of
  // becoming a thumbnail of grey: the post then keeps showing the original.
  if (vips_thumbnail(source.c_str(), &out, box, "height", box, "size", VIPS_SIZE_DOWN, "fail_on",
                     VIPS_FAIL_ON_TRUNCATED, nullptr))
    return vips_failure();
  Image thumb(out);
  if (vips_image_write_to_file(thumb.get(), target.c_str(), nullptr)) return vips_failure();
  return {};
}

std::string sample_image(ImageFormat format, int width, int height, unsigned seed) {
  ThreadDone done;
  VipsImage* xy = nullptr;
  if (vips_xyz(&xy, width, height, nullptr)) throw std::runtime_error(vips_failure());
  Image coords(xy);
  // Three bands from x, y and x+y, each scaled into 0..255 with its own
  // seed-chosen slope: smooth, different for every seed, compressible.
  double a[3] = {255.0 / std::max(width, 1) * (1 + seed % 3), 255.0 / std::max(height, 1), 0.5};
  double b[3] = {static_cast<double>(seed % 97), static_cast<double>(seed % 53), 40.0};
  VipsImage* x = nullptr;
  VipsImage* y = nullptr;
  if (vips_extract_band(coords.get(), &x, 0, nullptr) ||
      vips_extract_band(coords.get(), &y, 1, nullptr))
    throw std::runtime_error(vips_failure());
  Image xs(x), ys(y);
  VipsImage* sum = nullptr;
  if (vips_add(xs.get(), ys.get(), &sum, nullptr)) throw std::runtime_error(vips_failure());
  Image sums(sum);
  VipsImage* bands[3] = {xs.get(), ys.get(), sums.get()};
  VipsImage* joined = nullptr;
  if (vips_bandjoin(bands, &joined, 3, nullptr)) throw std::runtime_error(vips_failure());
  Image rgb(joined);
  VipsImage* scaled = nullptr;
  if (vips_linear(rgb.get(), &scaled, a, b, 3, "uchar", TRUE, nullptr))
    throw std::runtime_error(vips_failure());
  Image pixels(scaled);
  VipsImage* srgb = nullptr;
  if (vips_copy(pixels.get(), &srgb, "interpretation", VIPS_INTERPRETATION_sRGB, nullptr))
    throw std::runtime_error(vips_failure());
  Image out(srgb);
  std::string suffix = "." + std::string(extension(format));
  void* buffer = nullptr;
  std::size_t size = 0;
  if (vips_image_write_to_buffer(out.get(), suffix.c_str(), &buffer, &size, nullptr))
    throw std::runtime_error(vips_failure());
  std::string bytes(static_cast<const char*>(buffer), size);
  g_free(buffer);
  return bytes;
}

}  // namespace tern::workers
