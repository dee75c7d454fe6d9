// The Express peer for scripts/bench session-check: NodeBird's stack —
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

app.get('/healthz', (req, res) => res.send('ok\n'));

const server = app.listen(Number(process.env.PORT || 18090), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
