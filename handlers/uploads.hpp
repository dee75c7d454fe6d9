// Images (API.md, "SNS"): POST /api/images streams the upload to disk
// (handlers/image_upload.hpp) and answers with its URLs at once; the
// thumbnail follows off the loop (handlers/thumbnailer.hpp). GET /uploads/…
// serves originals and thumbnails from the I/O pool — read per request, not
// cached in memory (there is no bound on how many uploads exist), with the
// Content-Type of the stored format and a year of Cache-Control (names are
// random and never reused).
#pragma once

#include "core/config.hpp"
#include "core/thread_pool.hpp"
#include "handlers/image_upload.hpp"
#include "handlers/thumbnailer.hpp"
#include "http/router.hpp"

namespace tern::handlers {

void add_upload_routes(http::Router& router, const Config& config, ThreadPool& cpu, ThreadPool& io,
                       const UploadDirs& dirs, Thumbnailer& thumbnailer);

}  // namespace tern::handlers
