// Who follows whom (API.md, "SNS"): follow and unfollow, a user's profile
// with its counts, and the follower and following lists.
#pragma once

#include "http/router.hpp"

namespace tern::handlers {

void add_people_routes(http::Router& router);

}  // namespace tern::handlers
