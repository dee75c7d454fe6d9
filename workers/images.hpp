// Images, on libvips, for the CPU pool: what an upload is (by its bytes, then
// by libvips reading its header only), and its thumbnail. Every function
// here blocks; call them through ThreadPool::run, never on a loop thread.
//
// Only four loaders can ever see an upload — jpeg, png, webp and gif:
// init_images() blocks every other libvips loader (ImageMagick, SVG, PDF,
// …) for the whole process, and turns libvips' operation cache off (every
// upload is new; a cache would only hold memory and file handles).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tern::workers {

enum class ImageFormat { jpeg, png, webp, gif };

// From the first bytes of a file (12 are enough): the magic numbers of the
// four formats, nothing else. nullopt: not one of them (or too few bytes).
std::optional<ImageFormat> sniff_image(std::string_view first_bytes);
inline constexpr std::size_t kSniffBytes = 12;

std::string_view format_name(ImageFormat f);  // "jpeg", as the images table has it
std::string_view extension(ImageFormat f);    // "jpg"
std::optional<ImageFormat> format_from_name(std::string_view name);

// Once per process, before any other call here. Throws std::runtime_error if
// libvips cannot start.
void init_images();

struct ImageHeader {
  int width = 0;
  int height = 0;  // of one page
  int pages = 1;
};

// The loader for `expected` (and no other) reads the header and nothing
// more: no pixel is decoded. nullopt when it cannot (a zip behind PNG magic
// bytes, a truncated header).
std::optional<ImageHeader> probe_image(const std::string& path, ImageFormat expected);

// Writes a thumbnail of `source` to `target`, whose extension picks the
// format: at most `box`×`box`, aspect kept ("fit inside"), never enlarged,
// shrink-on-load where the format has it (libvips' thumbnail). Returns an
// empty string on success, else why not.
std::string make_thumbnail(const std::string& source, const std::string& target, int box = 200);

// A generated picture (a colour gradient whose hues follow `seed`), encoded
// in `format`: for the seed tool, the tests and the benches. Throws
// std::runtime_error if libvips fails.
std::string sample_image(ImageFormat format, int width, int height, unsigned seed);

}  // namespace tern::workers
