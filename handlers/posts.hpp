// The posts of the SNS (API.md, "SNS"): writing, reading and deleting posts,
// likes, comments and replies, and the lists of posts — everyone's, the
// following feed, a user's, a hashtag's.
#pragma once

#include "http/router.hpp"

namespace tern::handlers {

void add_post_routes(http::Router& router);

}  // namespace tern::handlers
