-- Sessions per user (TERN_SESSIONS_PER_USER): who owns a session and when it
-- was saved become columns, so that a login can end its user's oldest
-- sessions in the same statement that saves the new one, through an index
-- instead of by parsing every row's JSON. `logged_in` has the microseconds
-- that the JSON's `created` (unix seconds) lacks, so that logins within one
-- second still have an order. Rows written before this migration are filled
-- in from their JSON.
ALTER TABLE user_sessions
  ADD COLUMN user_id bigint,
  ADD COLUMN logged_in timestamptz NOT NULL DEFAULT clock_timestamp();
UPDATE user_sessions
  SET user_id = (sess->>'uid')::bigint, logged_in = to_timestamp((sess->>'created')::bigint);
ALTER TABLE user_sessions ALTER COLUMN user_id SET NOT NULL;
CREATE INDEX user_sessions_user_idx ON user_sessions (user_id, logged_in);
