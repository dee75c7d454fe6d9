// The JSON of the SNS aggregates, exactly as API.md spells them: a post with
// its image, hashtags, counts and first comments; a comment with its first
// replies; a user reference {id, nick}.
#pragma once

#include <optional>
#include <string>

#include "core/json_writer.hpp"
#include "db/posts.hpp"

namespace tern::handlers {

void write_user_ref(JsonWriter& w, const db::UserRef& u);
void write_reply(JsonWriter& w, const db::Reply& r);
void write_comment(JsonWriter& w, const db::Comment& c);
void write_post(JsonWriter& w, const db::Post& p);

// {"posts": [...], "next": id | null}
std::string post_page_json(const db::PostPage& page);
// {"<key>": {...}} for one post, comment or reply.
std::string post_json(const db::Post& p);

// `next` as a number, or null.
void write_next(JsonWriter& w, const std::optional<std::int64_t>& next);

}  // namespace tern::handlers
