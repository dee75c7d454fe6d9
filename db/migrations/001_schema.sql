-- 001_schema.sql — tern's first schema: everything the HTTP contract
-- (API.md) needs to store.
--
-- How to read it. Each table says what it holds; each index names the query
-- it serves. The database is the last line of defence, not the first: the
-- handlers validate input and answer 400/409 themselves, and the CHECKs here
-- only make sure that a bug can never store what the contract forbids.
--
-- Conventions
--   * Ids are `bigint GENERATED ALWAYS AS IDENTITY`. They grow with time, so
--     "newest first" is "id DESC" and a page cursor is "id < $before": no
--     index on created_at is needed anywhere. (Ids are handed out at INSERT
--     and become visible at COMMIT, so a row can appear just behind a cursor
--     a reader already passed; for a social feed that is harmless.)
--   * Times are timestamptz and are turned into API strings by rfc3339().
--   * Text lengths are counted by char_length, in code points.
--   * ON DELETE CASCADE follows ownership: deleting a post deletes its likes,
--     hashtag links, comments and their replies; deleting a user deletes all
--     they own. An image outlives a deleted post (SET NULL the other way).
--   * Every foreign key has an index whose leading column is the referencing
--     column, either for a query below or only so that a cascading delete
--     does not scan the whole referencing table.
--
-- The migrator (db/migrate.cpp) runs this file in one transaction, so it must
-- contain no BEGIN/COMMIT and nothing that cannot run inside a transaction
-- (CREATE INDEX CONCURRENTLY, for one).


-- rfc3339(t): the API's time format, '2024-05-01T09:30:00.123Z' — always UTC
-- and milliseconds (truncated), whatever the session's TimeZone or DateStyle.
-- Repositories select `rfc3339(created_at)` and pass the text through.
--
-- It is declared STABLE, not IMMUTABLE, on purpose: to_char is STABLE (some of
-- its patterns follow the locale, though none used here), and the planner only
-- inlines an SQL function that claims no more than its body. Inlined, the call
-- costs nothing; an IMMUTABLE wrapper runs through the SQL-function executor
-- on every row (measured: 3x slower over 200k rows). Nobody indexes it.
CREATE FUNCTION rfc3339(t timestamptz) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');


-- users: accounts. The email is kept as typed but unique regardless of case,
-- through a unique index on lower(email); look a user up with
-- `WHERE lower(email) = lower($1)` so that index serves the login. A second
-- sign-up with the same address is unique_violation 23505 on users_email_key.
CREATE TABLE users (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email         text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254),
  nick          text NOT NULL CHECK (char_length(nick) BETWEEN 1 AND 15),
  password_hash text NOT NULL,  -- a PHC string (argon2id or bcrypt), never a password
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));


-- images: uploads. The original is stored at once; its thumbnail is made off
-- the event loop and stays `pending` until then (`failed` if it cannot be
-- made). Paths are relative to TERN_UPLOAD_DIR and served under /uploads/, so
-- an image's URL is '/uploads/' || path; a post names its image by that URL,
-- hence the unique index on path.
CREATE TABLE images (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  path        text NOT NULL,
  format      text NOT NULL CHECK (format IN ('jpeg', 'png', 'webp', 'gif')),
  thumb_state text NOT NULL DEFAULT 'pending'
                CHECK (thumb_state IN ('pending', 'ready', 'failed')),
  thumb_path  text,  -- may be chosen up front; only meaningful once `ready`
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT images_path_key UNIQUE (path),
  CONSTRAINT images_ready_has_thumb CHECK (thumb_state <> 'ready' OR thumb_path IS NOT NULL)
);
CREATE INDEX images_user_id_idx ON images (user_id);
-- Thumbnails still to make: what a restarted server picks up again.
CREATE INDEX images_pending_idx ON images (id) WHERE thumb_state = 'pending';


-- posts: at most 140 characters and one optional image.
CREATE TABLE posts (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  content    text NOT NULL CHECK (char_length(content) BETWEEN 1 AND 140),
  image_id   bigint REFERENCES images (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- The feed, `WHERE id < $before ORDER BY id DESC LIMIT $n`, walks the primary
-- key backwards. A profile: `WHERE user_id = $1 AND id < $before ORDER BY id
-- DESC` reads this index in order and stops after $n entries.
CREATE INDEX posts_user_id_id_idx ON posts (user_id, id DESC);
CREATE INDEX posts_image_id_idx ON posts (image_id) WHERE image_id IS NOT NULL;


-- hashtags: one row per distinct tag, lower-cased. Lower-case in SQL
-- (`lower($1)`) rather than in C++, so that the writer and this CHECK agree on
-- every letter, not only ASCII. A tag is looked up by the unique index:
-- `WHERE title = lower($1)`, which is what makes /api/hashtags/:tag
-- case-insensitive.
CREATE TABLE hashtags (
  id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  title text NOT NULL,
  CONSTRAINT hashtags_title_key UNIQUE (title),
  CONSTRAINT hashtags_title_lower CHECK (title = lower(title)),
  CONSTRAINT hashtags_title_length CHECK (char_length(title) BETWEEN 1 AND 50)
);

-- post_hashtags: which posts carry which tags. The primary key gives a post's
-- tags; the second index gives a tag's posts newest first, with the same
-- `post_id < $before` cursor as the feed, from the index alone.
CREATE TABLE post_hashtags (
  post_id    bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
  hashtag_id bigint NOT NULL REFERENCES hashtags (id) ON DELETE CASCADE,
  PRIMARY KEY (post_id, hashtag_id)
);
CREATE INDEX post_hashtags_hashtag_id_post_id_idx ON post_hashtags (hashtag_id, post_id DESC);


-- follows: follower_id follows following_id. The primary key answers "whom
-- does X follow" (followingIds, followingCount, /followings); the reverse
-- index answers "who follows X" (followerCount, /followers, followedByMe).
-- Following yourself is refused here as well as by the handler (400).
CREATE TABLE follows (
  follower_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  following_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (follower_id, following_id),
  CONSTRAINT follows_not_self CHECK (follower_id <> following_id)
);
CREATE INDEX follows_following_id_follower_id_idx ON follows (following_id, follower_id);


-- likes: one per user and post, so liking twice is `ON CONFLICT DO NOTHING`.
-- The key leads with post_id because every hot question is about posts: the
-- like count of a page of posts (`post_id = ANY($1) GROUP BY post_id`) and
-- whether I liked them (`post_id = ANY($1) AND user_id = $2`).
CREATE TABLE likes (
  post_id    bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (post_id, user_id)
);
CREATE INDEX likes_user_id_idx ON likes (user_id);


-- comments on posts, and replies to comments: both shown oldest first, so
-- each is indexed by its parent and then id.
CREATE TABLE comments (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  post_id    bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  content    text NOT NULL CHECK (char_length(content) BETWEEN 1 AND 500),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX comments_post_id_id_idx ON comments (post_id, id);
CREATE INDEX comments_user_id_idx ON comments (user_id);

CREATE TABLE replies (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  comment_id bigint NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  content    text NOT NULL CHECK (char_length(content) BETWEEN 1 AND 500),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX replies_comment_id_id_idx ON replies (comment_id, id);
CREATE INDEX replies_user_id_idx ON replies (user_id);


-- domains: third-party sites registered for the token API. The client secret
-- is shown to its owner again on GET /api/domains, so it is stored as issued.
-- CORS asks "is this Origin's host registered?" (domains_host_idx); host is
-- kept lower-case, as browsers send it in Origin, so that lookup is exact.
CREATE TABLE domains (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  host          text NOT NULL,
  type          text NOT NULL CHECK (type IN ('free', 'premium')),
  client_secret text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT domains_client_secret_key UNIQUE (client_secret),
  CONSTRAINT domains_host_lower CHECK (host = lower(host)),
  CONSTRAINT domains_host_length CHECK (char_length(host) BETWEEN 1 AND 261)  -- 253 + ':65535'
);
CREATE INDEX domains_user_id_id_idx ON domains (user_id, id);
CREATE INDEX domains_host_idx ON domains (host);


-- refresh_tokens: one row per refresh token issued by /v2/token(/refresh).
-- Only a SHA-256 of the token is kept (32 bytes; in PostgreSQL's text format
-- pass it as '\x' followed by 64 hex digits), so a leaked table lets nobody
-- refresh. Tokens that descend from one /v2/token call share a `family`:
-- refreshing marks the old row used_at and inserts its successor with the
-- same family; presenting a used token again sets revoked_at on the whole
-- family (refresh_tokens_family_idx). Expired rows can be swept by expires_at.
CREATE TABLE refresh_tokens (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  domain_id  bigint NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
  token_hash bytea NOT NULL,
  family     uuid NOT NULL DEFAULT gen_random_uuid(),
  used_at    timestamptz,
  revoked_at timestamptz,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT refresh_tokens_token_hash_key UNIQUE (token_hash),
  CONSTRAINT refresh_tokens_token_hash_sha256 CHECK (octet_length(token_hash) = 32)
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family);
CREATE INDEX refresh_tokens_expires_at_idx ON refresh_tokens (expires_at);
CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_domain_id_idx ON refresh_tokens (domain_id);


-- user_sessions: the session store for TERN_SESSION_STORE=postgres, shaped as
-- connect-pg-simple keeps it: the session id, the session as JSON, and when
-- it expires; a sweeper deletes `WHERE expire < now()` through the index.
-- `json` rather than `jsonb`, as connect-pg-simple has it: it is checked on
-- the way in and handed back byte for byte, with no re-serialising on the
-- read that every request makes, yet `sess->>'uid'` still works for
-- maintenance such as "log this user out everywhere".
CREATE TABLE user_sessions (
  sid    varchar NOT NULL PRIMARY KEY,
  sess   json NOT NULL,
  expire timestamptz NOT NULL
);
CREATE INDEX user_sessions_expire_idx ON user_sessions (expire);
