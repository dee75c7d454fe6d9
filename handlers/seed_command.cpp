#include "handlers/seed_command.hpp"

#include <charconv>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

#include "core/config.hpp"
#include "db/seed.hpp"
#include "handlers/image_upload.hpp"
#include "workers/images.hpp"
#include "workers/password.hpp"

namespace tern::handlers {

namespace {

constexpr const char* kUsage =
    "usage: tern seed [--users N] [--posts M] [--seed S] [--images K] [--prefix P]\n"
    "  defaults: 100 users, 1000 posts, seed 1, one image per 20 posts (at most 200),\n"
    "  prefix \"seed\" (emails P1@seed.tern ...; every password is \"password1\")\n";

bool number(std::string_view text, long long min, long long max, long long& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= min && out <= max;
}

// Letters, digits, '-' and '_' only: the prefix becomes part of file names.
bool plain(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

}  // namespace

int seed_command(int argc, char** argv) {
  db::SeedOptions options;
  long long images = -1;
  for (int i = 2; i < argc; i += 2) {
    std::string_view flag = argv[i];
    if (i + 1 >= argc) {
      std::fputs(kUsage, stderr);
      return 2;
    }
    std::string_view value = argv[i + 1];
    long long n = 0;
    bool ok = true;
    if (flag == "--users" && (ok = number(value, 2, 1'000'000, n)))
      options.users = static_cast<int>(n);
    else if (flag == "--posts" && (ok = number(value, 0, 10'000'000, n)))
      options.posts = static_cast<int>(n);
    else if (flag == "--seed" && (ok = number(value, 0, 4294967295LL, n)))
      options.seed = static_cast<std::uint32_t>(n);
    else if (flag == "--images" && (ok = number(value, 0, 10'000, n)))
      images = n;
    else if (flag == "--prefix" && (ok = plain(value)))
      options.prefix = std::string(value);
    else
      ok = false;
    if (!ok) {
      std::fprintf(stderr, "tern seed: bad %s %s\n%s", argv[i], argv[i + 1], kUsage);
      return 2;
    }
  }
  if (images < 0) images = std::min(options.posts / 20, 200);
  images = std::min<long long>(images, options.posts / 3);  // every third post may carry one

  auto env = process_env();
  std::string url = env("DATABASE_URL").value_or("postgresql://127.0.0.1:5432/tern");
  UploadDirs dirs(env("TERN_UPLOAD_DIR").value_or("var/uploads"));
  try {
    dirs.create();
    workers::init_images();
    options.password_hash = workers::hash_password("password1");
    const workers::ImageFormat formats[] = {workers::ImageFormat::jpeg, workers::ImageFormat::png,
                                            workers::ImageFormat::webp, workers::ImageFormat::gif};
    for (long long k = 0; k < images; ++k) {
      auto format = formats[k % 4];
      std::string name = "seed-" + options.prefix + "-" + std::to_string(options.seed) + "-" +
                         std::to_string(k) + "." + std::string(workers::extension(format));
      int w = 320 + static_cast<int>((k * 37) % 640), h = 240 + static_cast<int>((k * 53) % 480);
      std::ofstream(dirs.root + "/" + name, std::ios::binary)
          << workers::sample_image(format, w, h, options.seed + static_cast<unsigned>(k));
      auto why = workers::make_thumbnail(dirs.root + "/" + name, dirs.thumbs + "/" + name);
      if (!why.empty()) throw std::runtime_error("thumbnail of " + name + ": " + why);
      options.images.push_back({name, std::string(workers::format_name(format)), "thumb/" + name});
    }
    auto r = db::seed(url, options);
    std::cout << "seeded " << r.users << " users, " << r.follows << " follows, " << r.posts
              << " posts, " << r.hashtags << " hashtags, " << r.likes << " likes, " << r.comments
              << " comments, " << r.replies << " replies, " << r.images << " images\n"
              << "fingerprint " << r.fingerprint << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tern seed: %s\n", e.what());
    return 1;
  }
}

}  // namespace tern::handlers
