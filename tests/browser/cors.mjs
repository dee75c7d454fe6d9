// The token API from a third-party page, as NodeBird's CORS chapter has it:
// a page served from a registered origin (a second port on loopback) gets a
// token with its domain's client secret and reads /v2/posts/my with fetch,
// Authorization header and all (so Chromium preflights both requests). The
// same page from an origin nobody registered is blocked by Chromium itself.
//
// Run by run.sh after the journey, against the same tern (TERN_URL).
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';

import { step, summary, isStop, until, TIMEOUT } from './lib.mjs';

const TERN = process.env.TERN_URL;

// A page that asks tern for a token and the owner's posts, and writes what
// happened into #result (ok:<n> or blocked:<error>).
const PAGE = `<!doctype html><meta charset="utf-8"><title>a NodeBird client</title>
<p id="result">running</p><script src="/client.js"></script>`;
const CLIENT = (secret) => `
(async () => {
  const out = document.getElementById('result');
  try {
    const t = await fetch(${JSON.stringify(TERN)} + '/v2/token', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ clientSecret: ${JSON.stringify(secret)} }) });
    const { token } = await t.json();
    const r = await fetch(${JSON.stringify(TERN)} + '/v2/posts/my', { headers: { Authorization: 'Bearer ' + token } });
    const body = await r.json();
    out.textContent = 'ok:' + body.payload.length + ':' + body.payload[0].content;
  } catch (e) {
    out.textContent = 'blocked:' + e.message;
  }
})();`;

// Both sites serve the same page; the secret is known once the domain exists.
let secret = '';
function site() {
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      const js = req.url === '/client.js';
      res.writeHead(200, { 'Content-Type': js ? 'text/javascript' : 'text/html; charset=utf-8' });
      res.end(js ? CLIENT(secret) : PAGE);
    });
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

// A signed-in session through the API, as the web client would make it.
async function signedIn() {
  const email = `cors${Date.now()}${Math.floor(Math.random() * 1e6)}@browser.test`;
  const json = { 'Content-Type': 'application/json' };
  let r = await fetch(`${TERN}/auth/join`, { method: 'POST', headers: json,
    body: JSON.stringify({ email, nick: 'corsuser', password: 'password1' }) });
  if (r.status !== 201) throw new Error(`join: ${r.status}`);
  r = await fetch(`${TERN}/auth/login`, { method: 'POST', headers: json,
    body: JSON.stringify({ email, password: 'password1' }) });
  if (r.status !== 200) throw new Error(`login: ${r.status}`);
  const cookie = r.headers.get('set-cookie').split(';')[0];
  return (method, path, body) => fetch(`${TERN}${path}`, { method, headers: { ...json, Cookie: cookie },
    body: body && JSON.stringify(body) });
}

const registered = await site();
const stranger = await site();
const browser = await chromium.launch({
  executablePath: process.env.TERN_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
try {
  const host = `127.0.0.1:${registered.address().port}`;
  await step('the owner registers the page\'s origin and posts', async () => {
    const as = await signedIn();
    const r = await as('POST', '/api/domains', { host, type: 'free' });
    if (r.status !== 201) throw new Error(`domain: ${r.status}`);
    secret = (await r.json()).clientSecret;
    const p = await as('POST', '/api/posts', { content: 'read through the token API #cors' });
    if (p.status !== 201) throw new Error(`post: ${p.status}`);
  });

  await step('a page of the registered origin gets a token and its posts with fetch', async () => {
    const page = await browser.newPage();
    const errors = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://${host}/`, { timeout: TIMEOUT });
    const text = await until(async () => {
      const t = await page.textContent('#result');
      return t !== 'running' && t;
    }, { what: 'the page\'s fetches' });
    if (text !== 'ok:1:read through the token API #cors') throw new Error(`the page says ${text}`);
    if (errors.length) throw new Error(`console: ${errors.join('; ')}`);
    await page.close();
  });

  await step('the same page from an unregistered origin is blocked by Chromium', async () => {
    const page = await browser.newPage();
    const corsErrors = [];
    page.on('console', (m) => m.type() === 'error' && /CORS/.test(m.text()) && corsErrors.push(m.text()));
    await page.goto(`http://127.0.0.1:${stranger.address().port}/`, { timeout: TIMEOUT });
    const text = await until(async () => {
      const t = await page.textContent('#result');
      return t !== 'running' && t;
    }, { what: 'the page\'s fetches' });
    if (!text.startsWith('blocked:')) throw new Error(`the page says ${text}`);
    if (!corsErrors.length) throw new Error('Chromium reported no CORS refusal');
    await page.close();
  });
} catch (error) {
  if (!isStop(error)) {
    console.log(`FAIL - cors test crashed: ${error.stack ?? error}`);
    process.exitCode = 1;
  }
} finally {
  await browser.close();
  registered.close();
  stranger.close();
}
if (!summary()) process.exitCode = 1;
