// `tern seed --users N --posts M [--seed S] [--images K] [--prefix P]`:
// fills DATABASE_URL with demo and bench data (db/seed.hpp) and writes K
// generated pictures (with their thumbnails) into TERN_UPLOAD_DIR for the
// posts that carry images. Every seeded user's password is "password1"; the
// emails are P1@seed.tern … PN@seed.tern.
#pragma once

namespace tern::handlers {

int seed_command(int argc, char** argv);

}  // namespace tern::handlers
