// The Express peer for scripts/bench session-check, bench/sns and bench/token: NodeBird's stack —
// Express, express-session with connect-redis, and (as passport's
// deserializeUser does in NodeBird) the user loaded from PostgreSQL on every
// request. bcryptjs stands in for bcrypt: the native module's install needs
// GitHub or nodejs.org, which this machine cannot reach; it only matters for
// logins, not for the session check measured here.
//
//   PORT=18090 REDIS_URL=... DATABASE_URL=... WORKERS=1|2 node server.js
'use strict';
const cluster = require('node:cluster');

const workers = Number(process.env.WORKERS || 1);
if (workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers)) w.kill('SIGTERM');
    process.exit(0);
  });
  return;
}

const express = require('express');
const session = require('express-session');
const RedisStore = require('connect-redis').default;
const { createClient } = require('redis');
const { Pool } = require('pg');
const bcrypt = require('bcryptjs');

const redis = createClient({ url: process.env.REDIS_URL });
redis.connect().catch((e) => { console.error(e); process.exit(1); });
const pg = new Pool({ connectionString: process.env.DATABASE_URL, max: 4 });

const app = express();
app.use(express.json());

// --- nodebird-api's v2 (chapter 10): jsonwebtoken and express-rate-limit,
// before the session middleware as in NodeBird's api server, which has none.
// Token: the domain's owner from PostgreSQL, signed like tern's (HS256,
// 15 min, issuer, jti). Each use: jwt.verify, then the per-user limiter
// (express-rate-limit's memory store, one per process: NodeBird's; tern's is
// shared through Redis, more work), then the route. The limit is set far
// above what the bench sends, as tern's is.
const jwt = require('jsonwebtoken');
const crypto = require('node:crypto');
const { rateLimit } = require('express-rate-limit');
// NodeBird passes process.env.JWT_SECRET, a string, to jwt.verify. With
// jsonwebtoken 9 on Node 20 that costs ~580 µs a call (it first tries the
// string as a PEM public key, and the failure is slow); a careful developer
// makes a KeyObject once (~14 µs a call). JWT_KEY=string measures NodeBird's.
const JWT_SECRET = process.env.JWT_KEY === 'string' ? (process.env.JWT_SECRET || 'j'.repeat(40))
  : crypto.createSecretKey(Buffer.from(process.env.JWT_SECRET || 'j'.repeat(40)));
const v2 = express.Router();
const verifyToken = (req, res, next) => {
  const h = req.headers.authorization || '';
  const token = h.startsWith('Bearer ') ? h.slice(7) : h;
  try {
    req.decoded = jwt.verify(token, JWT_SECRET, { algorithms: ['HS256'], issuer: 'tern' });
    return next();
  } catch (e) {
    if (e.name === 'TokenExpiredError') return res.status(419).json({ code: 419, message: 'token expired' });
    return res.status(401).json({ code: 401, message: 'invalid token' });
  }
};
const apiLimiter = rateLimit({
  windowMs: 60 * 1000,
  limit: Number(process.env.RATE_LIMIT || 1000000000),
  keyGenerator: (req) => req.decoded.sub,
  standardHeaders: 'draft-6',
  legacyHeaders: false,
  handler: (req, res) => res.status(429).json({ code: 429, message: 'rate limited' }),
});
v2.post('/token', async (req, res, next) => {
  try {
    const r = await pg.query({ name: 'v2_subject', text: `SELECT d.user_id, u.nick, d.id, d.type FROM domains d
      JOIN users u ON u.id = d.user_id WHERE d.client_secret = $1`, values: [String(req.body.clientSecret)] });
    const d = r.rows[0];
    if (!d) return res.status(401).json({ code: 401, message: 'unknown client secret' });
    const token = jwt.sign({ sub: String(d.user_id), nick: d.nick, tier: d.type, dom: Number(d.id) }, JWT_SECRET,
      { algorithm: 'HS256', expiresIn: '15m', issuer: 'tern', keyid: 'k1', jwtid: crypto.randomBytes(16).toString('base64url') });
    res.json({ code: 200, message: 'token issued', token });
  } catch (e) { next(e); }
});
v2.get('/test', verifyToken, apiLimiter, (req, res) => res.json({ code: 200, payload: req.decoded }));
v2.get('/posts/my', verifyToken, apiLimiter, async (req, res, next) => {
  try {
    const uid = Number(req.decoded.sub);
    const r = await pg.query({ ...Q.byUser, values: [uid, Number.MAX_SAFE_INTEGER, 100, uid] });
    res.json({ code: 200, payload: await details(r.rows) });
  } catch (e) { next(e); }
});
app.use('/v2', v2);

app.use(session({
  store: new RedisStore({ client: redis, prefix: 'express:sess:' }),
  secret: process.env.SESSION_SECRET || 'express-peer-secret-express-peer-secret',
  resave: false,
  saveUninitialized: false,
  cookie: { httpOnly: true, sameSite: 'lax' },
}));

app.post('/auth/login', async (req, res, next) => {
  try {
    const { email, password } = req.body || {};
    const r = await pg.query(
      'SELECT id, email, nick, password_hash FROM users WHERE lower(email) = lower($1)', [email]);
    const user = r.rows[0];
    // tern stores argon2id hashes; the peer keeps its own bcrypt hash per user.
    const hash = user && (await redis.get(`express:pw:${user.id}`));
    if (!user || !hash || !(await bcrypt.compare(password || '', hash))) {
      return res.status(401).json({ error: { code: 'invalid_credentials', message: 'wrong email or password' } });
    }
    req.session.regenerate((err) => {
      if (err) return next(err);
      req.session.uid = user.id;
      res.json({ user: { id: user.id, email: user.email, nick: user.nick } });
    });
  } catch (e) { next(e); }
});

// The bench's set-up: give existing tern users (ids) a bcrypt password here.
app.post('/bench/password', async (req, res, next) => {
  try {
    const { ids, password } = req.body;
    const hash = await bcrypt.hash(password, 10);
    for (const id of ids) await redis.set(`express:pw:${id}`, hash);
    res.status(204).end();
  } catch (e) { next(e); }
});

app.get('/api/me', async (req, res, next) => {
  try {
    if (!req.session.uid) return res.status(401).json({ error: { code: 'unauthorized', message: 'not logged in' } });
    // The same query tern runs (db/users.cpp, kMe).
    const r = await pg.query(
      `SELECT u.id, u.email, u.nick,
              (SELECT count(*) FROM follows WHERE following_id = u.id) AS followers,
              (SELECT array_agg(following_id ORDER BY following_id)
                 FROM follows WHERE follower_id = u.id) AS ids
         FROM users u WHERE u.id = $1`, [req.session.uid]);
    const u = r.rows[0];
    if (!u) return res.status(401).json({ error: { code: 'unauthorized', message: 'not logged in' } });
    const ids = (u.ids || []).map(Number);
    res.json({ id: Number(u.id), email: u.email, nick: u.nick, followerCount: Number(u.followers),
      followingCount: ids.length, followingIds: ids });
  } catch (e) { next(e); }
});

// --- the SNS pages, as a careful Node developer writes NodeBird's: the same
// four queries tern runs (db/posts.cpp) — the page, then hashtags, comments
// and replies of all its posts at once (Promise.all) — not sequelize's N+1.
const POST_COLUMNS = `SELECT p.id, p.content, rfc3339(p.created_at) AS created, u.id AS uid, u.nick,
  '/uploads/' || i.path AS url, CASE WHEN i.thumb_state = 'ready' THEN '/uploads/' || i.thumb_path END AS thumb,
  (SELECT count(*) FROM likes l WHERE l.post_id = p.id) AS likes,
  EXISTS (SELECT 1 FROM likes l WHERE l.post_id = p.id AND l.user_id = $1) AS liked,
  (SELECT count(*) FROM comments c WHERE c.post_id = p.id) AS comments
  FROM posts p JOIN users u ON u.id = p.user_id LEFT JOIN images i ON i.id = p.image_id `;
const FIRST_COMMENTS = `FROM unnest($1::int8[]) AS parent(id) CROSS JOIN LATERAL
  (SELECT * FROM comments WHERE post_id = parent.id ORDER BY id LIMIT 20) c `;
const Q = {
  latest: { name: 'latest', text: POST_COLUMNS + 'WHERE p.id < $2 ORDER BY p.id DESC LIMIT $3' },
  // tern's statement (db/posts.cpp, kFollowing): a per-author merge up to
  // 256 follows, the primary-key walk beyond.
  following: { name: 'following', text: `WITH n AS MATERIALIZED (SELECT count(*) AS c FROM follows WHERE follower_id = $1),
    ids AS ((SELECT x.id FROM (SELECT following_id AS uid FROM follows WHERE follower_id = $1 UNION ALL SELECT $1) a
      CROSS JOIN LATERAL (SELECT id FROM posts WHERE user_id = a.uid AND id < $2 ORDER BY id DESC LIMIT $3) x
      WHERE (SELECT c FROM n) <= 256 ORDER BY x.id DESC LIMIT $3)
     UNION ALL
     (SELECT p.id FROM posts p WHERE (SELECT c FROM n) > 256 AND p.id < $2 AND (p.user_id = $1 OR p.user_id IN
       (SELECT following_id FROM follows WHERE follower_id = $1)) ORDER BY p.id DESC LIMIT $3)) ` +
    POST_COLUMNS + 'WHERE p.id IN (SELECT id FROM ids) ORDER BY p.id DESC LIMIT $3' },
  hashtag: { name: 'hashtag', text: POST_COLUMNS + `JOIN post_hashtags ph ON ph.post_id = p.id
    JOIN hashtags h ON h.id = ph.hashtag_id WHERE h.title = lower($4) AND p.id < $2 ORDER BY p.id DESC LIMIT $3` },
  one: { name: 'one', text: POST_COLUMNS + 'WHERE p.id = $2' },
  byUser: { name: 'by_user', text: POST_COLUMNS + 'WHERE p.user_id = $4 AND p.id < $2 ORDER BY p.id DESC LIMIT $3' },
  tags: { name: 'tags', text: `SELECT ph.post_id, h.title FROM post_hashtags ph JOIN hashtags h ON h.id = ph.hashtag_id
    WHERE ph.post_id = ANY($1::int8[]) ORDER BY ph.post_id, h.title` },
  comments: { name: 'comments', text: `SELECT c.id, c.post_id, c.content, rfc3339(c.created_at) AS created, u.id AS uid,
    u.nick, (SELECT count(*) FROM replies r WHERE r.comment_id = c.id) AS replies ` + FIRST_COMMENTS +
    'JOIN users u ON u.id = c.user_id ORDER BY c.id' },
  replies: { name: 'replies', text: `SELECT r.id, r.comment_id, r.content, rfc3339(r.created_at) AS created, u.id AS uid,
    u.nick ` + FIRST_COMMENTS + `CROSS JOIN LATERAL (SELECT * FROM replies WHERE comment_id = c.id ORDER BY id LIMIT 20) r
    JOIN users u ON u.id = r.user_id ORDER BY r.id` },
  post: { name: 'post', text: 'INSERT INTO posts (user_id, content) VALUES ($1, $2) RETURNING id' },
  upsert: { name: 'upsert', text: `INSERT INTO hashtags (title) VALUES (lower($1)) ON CONFLICT (title)
    DO UPDATE SET title = EXCLUDED.title RETURNING id` },
  links: { name: 'links', text: `INSERT INTO post_hashtags (post_id, hashtag_id) SELECT $1, unnest($2::int8[])
    ON CONFLICT DO NOTHING` },
};

async function details(rows) {
  const posts = rows.map((r) => ({ id: Number(r.id), content: r.content, createdAt: r.created,
    user: { id: Number(r.uid), nick: r.nick }, img: r.url ? { url: r.url, thumbUrl: r.thumb } : null,
    hashtags: [], likeCount: Number(r.likes), liked: r.liked, commentCount: Number(r.comments), comments: [] }));
  if (posts.length === 0) return posts;
  const ids = posts.map((p) => p.id);
  const byId = new Map(posts.map((p) => [p.id, p]));
  const [tags, comments, replies] = await Promise.all(
    [Q.tags, Q.comments, Q.replies].map((q) => pg.query({ ...q, values: [ids] })));
  for (const t of tags.rows) byId.get(Number(t.post_id)).hashtags.push(t.title);
  const commentById = new Map();
  for (const c of comments.rows) {
    const comment = { id: Number(c.id), content: c.content, createdAt: c.created,
      user: { id: Number(c.uid), nick: c.nick }, replyCount: Number(c.replies), replies: [] };
    byId.get(Number(c.post_id)).comments.push(comment);
    commentById.set(comment.id, comment);
  }
  for (const r of replies.rows) {
    const c = commentById.get(Number(r.comment_id));
    if (c) c.replies.push({ id: Number(r.id), content: r.content, createdAt: r.created,
      user: { id: Number(r.uid), nick: r.nick } });
  }
  return posts;
}

function paging(req) {
  const limit = req.query.limit === undefined ? 20 : Number(req.query.limit);
  const before = req.query.before === undefined ? Number.MAX_SAFE_INTEGER : Number(req.query.before);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100 || !Number.isInteger(before) || before < 1) return null;
  return { limit, before };
}

function page(query, extra) {
  return async (req, res, next) => {
    try {
      const p = paging(req);
      if (!p) return res.status(400).json({ error: { code: 'invalid_paging', message: 'bad limit or before' } });
      if (query === Q.following && !req.session.uid)
        return res.status(401).json({ error: { code: 'unauthorized', message: 'not logged in' } });
      const viewer = req.session.uid || 0;
      const values = [viewer, p.before, p.limit + 1, ...extra(req)];
      const r = await pg.query({ ...query, values });
      const rows = r.rows.slice(0, p.limit);
      const posts = await details(rows);
      res.json({ posts, next: r.rows.length > p.limit ? posts[posts.length - 1].id : null });
    } catch (e) { next(e); }
  };
}

app.get('/api/posts', page(Q.latest, () => []));
app.get('/api/feed', page(Q.following, () => []));
app.get('/api/hashtags/:tag/posts', page(Q.hashtag, (req) => [req.params.tag]));

// NodeBird's post: the post, then every hashtag upserted at once
// (Promise.all over findOrCreate), then the links; no transaction.
app.post('/api/posts', async (req, res, next) => {
  try {
    if (!req.session.uid) return res.status(401).json({ error: { code: 'unauthorized', message: 'not logged in' } });
    const content = req.body && req.body.content;
    if (typeof content !== 'string' || [...content].length < 1 || [...content].length > 140)
      return res.status(400).json({ error: { code: 'invalid_content', message: 'content must be 1 to 140 characters' } });
    const tags = [...new Set((content.match(/#[^\s#]+/g) || []).map((t) => t.slice(1).toLowerCase()))];
    if (tags.length > 20) return res.status(400).json({ error: { code: 'too_many_hashtags', message: 'at most 20' } });
    const post = await pg.query({ ...Q.post, values: [req.session.uid, content] });
    const id = post.rows[0].id;
    if (tags.length) {
      const ids = await Promise.all(tags.map((t) => pg.query({ ...Q.upsert, values: [t] })));
      await pg.query({ ...Q.links, values: [id, ids.map((r) => r.rows[0].id)] });
    }
    const one = await pg.query({ ...Q.one, values: [req.session.uid, id] });
    res.status(201).json({ post: (await details(one.rows))[0] });
  } catch (e) { next(e); }
});

app.get('/healthz', (req, res) => res.send('ok\n'));

const server = app.listen(Number(process.env.PORT || 18090), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
