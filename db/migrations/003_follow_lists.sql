-- Follower and following lists are paged newest follow first, with a
-- (created_at, id) cursor (GET /api/users/:id/followers and /followings).
-- These indexes give each list in that order, so a page reads its rows and
-- stops — no sort of everyone who follows a popular user. They lead with the
-- same column as the indexes of 001, which they make redundant for every
-- query: the old (following_id, follower_id) index goes, the primary key
-- stays (it is the uniqueness of a follow).
CREATE INDEX follows_followers_page_idx ON follows (following_id, created_at DESC, follower_id DESC);
CREATE INDEX follows_followings_page_idx ON follows (follower_id, created_at DESC, following_id DESC);
DROP INDEX follows_following_id_follower_id_idx;
