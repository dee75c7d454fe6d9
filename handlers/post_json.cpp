#include "handlers/post_json.hpp"

namespace tern::handlers {

void write_user_ref(JsonWriter& w, const db::UserRef& u) {
  w.begin_object().field("id", u.id).field("nick", u.nick).end_object();
}

void write_reply(JsonWriter& w, const db::Reply& r) {
  w.begin_object()
      .field("id", r.id)
      .field("content", r.content)
      .field("createdAt", r.created_at)
      .key("user");
  write_user_ref(w, r.user);
  w.end_object();
}

void write_comment(JsonWriter& w, const db::Comment& c) {
  w.begin_object()
      .field("id", c.id)
      .field("content", c.content)
      .field("createdAt", c.created_at)
      .key("user");
  write_user_ref(w, c.user);
  w.field("replyCount", c.reply_count).key("replies").begin_array();
  for (const auto& r : c.replies)
    write_reply(w, r);
  w.end_array().end_object();
}

void write_post(JsonWriter& w, const db::Post& p) {
  w.begin_object()
      .field("id", p.id)
      .field("content", p.content)
      .field("createdAt", p.created_at)
      .key("user");
  write_user_ref(w, p.user);
  w.key("img");
  if (p.img) {
    w.begin_object().field("url", p.img->url).key("thumbUrl");
    if (p.img->thumb_url)
      w.value(*p.img->thumb_url);
    else
      w.null();
    w.end_object();
  } else {
    w.null();
  }
  w.key("hashtags").begin_array();
  for (const auto& tag : p.hashtags)
    w.value(tag);
  w.end_array()
      .field("likeCount", p.like_count)
      .field("liked", p.liked)
      .field("commentCount", p.comment_count)
      .key("comments")
      .begin_array();
  for (const auto& c : p.comments)
    write_comment(w, c);
  w.end_array().end_object();
}

void write_next(JsonWriter& w, const std::optional<std::int64_t>& next) {
  w.key("next");
  if (next)
    w.value(*next);
  else
    w.null();
}

std::string post_page_json(const db::PostPage& page) {
  std::string body;
  body.reserve(64 + 400 * page.posts.size());
  JsonWriter w(body);
  w.begin_object().key("posts").begin_array();
  for (const auto& p : page.posts)
    write_post(w, p);
  w.end_array();
  write_next(w, page.next);
  w.end_object();
  return body;
}

std::string post_json(const db::Post& p) {
  std::string body;
  JsonWriter w(body);
  w.begin_object().key("post");
  write_post(w, p);
  w.end_object();
  return body;
}

}  // namespace tern::handlers
