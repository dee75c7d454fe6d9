// What deleting something one owns can come to: done, nothing there (404), or
// there but someone else's (403) — told apart in the DELETE's own round trip.
#pragma once

namespace tern::db {

enum class Removal { deleted, not_found, forbidden };

}  // namespace tern::db
