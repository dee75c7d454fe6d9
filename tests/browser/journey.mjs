// The web client end to end, as two people would use it, in headless
// Chromium against a real tern (started by run.sh): join, log in, post a
// photo with hashtags and watch its thumbnail arrive, follow, like, comment
// and reply, search a hashtag, count a profile, try to inject markup, upload
// a picture over the limit, register a domain, tab through the feed, log
// out. Any console error, page error, failed request or unexpected HTTP
// error fails the step it happened in.
//
// Environment (run.sh sets it): TERN_URL, TERN_BINARY (for sample images),
// TERN_BROWSER_WORK (scratch files), TERN_BROWSER_OUT (screenshots).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join as path } from 'node:path';
import { chromium } from 'playwright-core';

import { TIMEOUT, expectStatus, isStop, screenshots, settled, step, summary, until, watch } from './lib.mjs';
import { developersJourney, keyboardJourney, scrollJourney } from './more.mjs';

const BASE = process.env.TERN_URL;
const WORK = process.env.TERN_BROWSER_WORK;
const OUT = process.env.TERN_BROWSER_OUT;
const R = Math.random().toString(36).slice(2, 7); // this run's names: the database outlives runs

function sampleImage(format, width, height, file) {
  const bytes = execFileSync(process.env.TERN_BINARY, ['sample-image', format, String(width), String(height), '7'],
    { maxBuffer: 256 << 20 });
  writeFileSync(path(WORK, file), bytes);
  return path(WORK, file);
}

const photo = sampleImage('jpeg', 1600, 1200, 'harbour.jpg'); // ~60 KB
const oversize = sampleImage('jpeg', 4000, 3000, 'huge.jpg'); // ~220 KB, over run.sh's 200000

const browser = await chromium.launch({
  executablePath: process.env.TERN_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});

async function person(name) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: BASE, colorScheme: 'light' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  watch(page, name);
  return { name, context, page, email: `${name}-${R}@journey.test`, nick: name }; // nicks need not be unique
}

const alice = await person('alice');
const bob = await person('bob');
const tagA = `harbour${R}`;
const tagB = `Morning${R}`; // written with a capital; the server keeps tags lower-case

const card = (page, text) => page.locator('article.post', { hasText: text }).first();

async function join(who, { email = who.email } = {}) {
  const { page } = who;
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Nickname').fill(who.nick);
  await page.getByLabel('Password').fill('password1');
  await page.getByRole('button', { name: 'Create account' }).click();
}

async function logIn(who, password = 'password1') {
  const { page } = who;
  await page.goto('/login');
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

async function logOut(who) {
  await who.page.getByRole('button', { name: 'Log out' }).click();
  await who.page.getByRole('link', { name: 'Log in', exact: true }).first().waitFor();
}

// The message next to a form field (its aria-describedby error line).
async function fieldError(page, label) {
  const input = page.getByLabel(label, { exact: true });
  const ids = (await input.getAttribute('aria-describedby')).split(' ');
  return page.locator(`[id="${ids.at(-1)}"]`);
}

async function journey() {
  await step('signed out: the feed, the join and login pages, no /api/me 401 on the way', async () => {
    await alice.page.goto('/');
    await alice.page.getByRole('heading', { name: 'Welcome to tern' }).waitFor();
    await alice.page.goto('/join');
    await alice.page.getByRole('heading', { name: 'Join tern' }).waitFor();
    await screenshots(alice.page, OUT, 'join');
    await alice.page.goto('/login');
    await alice.page.getByRole('heading', { name: 'Log in' }).waitFor();
    await screenshots(alice.page, OUT, 'login');
  });

  await step('join: a short password is refused next to the password field', async () => {
    const { page } = alice;
    await page.goto('/join');
    await page.getByLabel('Email').fill(alice.email);
    await page.getByLabel('Nickname').fill(alice.nick);
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    const error = await fieldError(page, 'Password');
    await error.waitFor();
    assert.match(await error.textContent(), /8 to 128 characters/);
    assert.equal(await page.getByLabel('Password').getAttribute('aria-invalid'), 'true');
  });

  await step('join: alice creates her account and lands signed in on her feed', async () => {
    await join(alice);
    await alice.page.waitForURL(`${BASE}/`);
    await alice.page.getByLabel(`What’s new, ${alice.nick}?`).waitFor();
    await alice.page.getByText('Your feed is empty').waitFor();
  });

  await step('log out, then a wrong password is refused, then log in', async () => {
    await logOut(alice);
    expectStatus(401, '/auth/login');
    await logIn(alice, 'wrong-password');
    await alice.page.getByText('Wrong email or password.').waitFor();
    await alice.page.getByLabel('Password').fill('password1');
    await alice.page.getByRole('button', { name: 'Log in' }).click();
    await alice.page.waitForURL(`${BASE}/`);
    await alice.page.getByLabel(`What’s new, ${alice.nick}?`).waitFor();
  });

  await step('post: text with a hashtag link', async () => {
    const { page } = alice;
    await page.getByLabel(`What’s new, ${alice.nick}?`).fill(`Hello tern! Trying this out at the #${tagA} today`);
    await page.getByRole('button', { name: 'Post', exact: true }).click();
    const link = card(page, 'Hello tern!').getByRole('link', { name: `#${tagA}` });
    await link.waitFor();
    assert.equal(await link.getAttribute('href'), `/hashtag?hashtag=${tagA.toLowerCase()}`);
  });

  await step('post: a photo uploads with progress, previews, and its thumbnail replaces the original', async () => {
    const { page } = alice;
    // The server makes a thumbnail faster than a person can press "Post", so
    // the post comes back with it. Here the create response says "not yet"
    // (thumbUrl null), as a busy thumbnailer would: the card must show the
    // original and swap the thumbnail in from the post's next GETs.
    const postsUrl = (url) => url.pathname === '/api/posts';
    let held = false;
    await page.route(postsUrl, async (route) => {
      if (route.request().method() !== 'POST' || held) return route.fallback();
      held = true;
      const response = await route.fetch();
      const json = await response.json();
      if (json.post?.img) json.post.img.thumbUrl = null;
      await route.fulfill({ response, json });
    });
    await page.getByLabel(`What’s new, ${alice.nick}?`).fill(`Early light over the water #${tagA} #${tagB}`);
    await page.getByLabel('Add photo').setInputFiles(photo);
    const preview = page.getByAltText('Preview of the picture to post');
    await preview.waitFor();
    assert.match(await preview.getAttribute('src'), /^\/uploads\/[\w-]+\.jpg$/);
    assert.equal(await page.locator('progress.upload-progress').isHidden(), true);
    await page.getByRole('button', { name: 'Post', exact: true }).click();
    const post = card(page, 'Early light over the water');
    const img = post.locator('.post-media img');
    await img.waitFor();
    const first = await img.getAttribute('src');
    assert.match(first, /^\/uploads\/[\w-]+\.jpg$/, 'the original first');
    const box = await post.boundingBox();
    await until(async () => /^\/uploads\/thumb\/[\w-]+\.jpg$/.test(await img.getAttribute('src')), { what: 'the thumbnail' });
    await until(() => img.evaluate((el) => el.complete && el.naturalWidth > 0 && el.naturalWidth <= 200), { what: 'the thumbnail to load' });
    assert.deepEqual(await post.boundingBox(), box, 'the card keeps its size when the thumbnail arrives');
    await page.unroute(postsUrl);
    assert.deepEqual(await post.locator('.hashtag').allTextContents(), [`#${tagA}`, `#${tagB}`]);
  });

  await step('join: bob is told the email is taken (next to the email field), then joins', async () => {
    const { page } = bob;
    await page.goto('/join');
    expectStatus(409, '/auth/join');
    await join(bob, { email: alice.email });
    const error = await fieldError(page, 'Email');
    await error.waitFor();
    assert.match(await error.textContent(), /already exists/);
    await page.getByLabel('Email').fill(bob.email);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${BASE}/`);
    await page.getByLabel(`What’s new, ${bob.nick}?`).waitFor();
  });

  await step('hashtag search: bob finds alice’s posts from the search box', async () => {
    const { page } = bob;
    await page.getByLabel('Search hashtags').fill(`#${tagB}`);
    await page.getByLabel('Search hashtags').press('Enter');
    await page.waitForURL(`${BASE}/hashtag?hashtag=${encodeURIComponent(tagB)}`);
    await page.getByRole('heading', { name: `#${tagB}` }).waitFor();
    await card(page, 'Early light over the water').waitFor();
    assert.equal(await page.locator('article.post').count(), 1);
  });

  await step('follow and like: bob follows alice and likes her photo', async () => {
    const { page } = bob;
    const post = card(page, 'Early light over the water');
    await post.getByRole('button', { name: `Follow ${alice.nick}` }).click();
    await post.getByRole('button', { name: `Unfollow ${alice.nick}` }).waitFor();
    const like = post.getByRole('button', { name: /^Like/ });
    await like.click();
    await until(async () => (await like.getAttribute('aria-pressed')) === 'true', { what: 'liked' });
    assert.equal(await like.locator('.count').textContent(), '1');
    assert.equal(await like.getAttribute('aria-label'), 'Like, 1 like');
    await page.reload();
    const again = card(page, 'Early light over the water').getByRole('button', { name: /^Like/ });
    await until(async () => (await again.getAttribute('aria-pressed')) === 'true', { what: 'liked after a reload' });
  });

  await step('comment: bob opens the post and comments', async () => {
    const { page } = bob;
    await card(page, 'Early light over the water').getByRole('link', { name: '0 comments' }).click();
    await page.waitForURL(/\/posts\/\d+#comments$/);
    await page.getByRole('heading', { name: 'Comments' }).waitFor();
    await page.getByText('No comments yet.').waitFor();
    await page.getByLabel('Add a comment').fill('Lovely light! Where is this?');
    await page.getByRole('button', { name: 'Comment', exact: true }).click();
    await page.locator('.comment', { hasText: 'Lovely light!' }).waitFor();
    await page.getByRole('heading', { name: '1 comment' }).waitFor();
    assert.equal(await page.getByText('No comments yet.').isHidden(), true);
  });

  await step('bob posts, and alice follows him back from his profile', async () => {
    await bob.page.goto('/');
    await bob.page.getByLabel(`What’s new, ${bob.nick}?`).fill(`Fish and chips by the pier, #${tagA} is the place to be`);
    await bob.page.getByRole('button', { name: 'Post', exact: true }).click();
    await card(bob.page, 'Fish and chips').waitFor();

    const { page } = alice;
    await page.goto('/');
    await card(page, 'Early light over the water').getByRole('link', { name: '1 comment' }).click();
    await page.waitForURL(/\/posts\/\d+/);
    await settled(page);
    await page.locator('.comment', { hasText: 'Lovely light!' }).getByRole('link', { name: bob.nick }).click();
    await page.waitForURL(/\/users\/\d+$/);
    await page.getByRole('heading', { name: bob.nick }).waitFor();
    await page.getByRole('button', { name: `Follow ${bob.nick}` }).click();
    await page.getByRole('button', { name: `Unfollow ${bob.nick}` }).waitFor();
    await until(async () => (await page.locator('[data-stat="followers"]').textContent()) === '1', { what: 'his follower count' });
    await card(page, 'Fish and chips').waitFor();
  });

  await step('reply: alice answers bob’s comment on her post', async () => {
    const { page } = alice;
    await page.goto('/');
    await card(page, 'Early light over the water').getByRole('link', { name: '1 comment' }).click();
    await page.waitForURL(/\/posts\/\d+/);
    await settled(page); // the post page scrolls to #comments when drawn: click after that
    const comment = page.locator('.comment', { hasText: 'Lovely light!' });
    await comment.getByRole('button', { name: `Reply to ${bob.nick}` }).click();
    await comment.getByLabel(`Your reply to ${bob.nick}`).fill('Thanks! The old harbour, just after six.');
    await comment.getByRole('button', { name: 'Reply', exact: true }).click();
    await comment.locator('.reply', { hasText: 'just after six' }).waitFor();
    await page.reload();
    await page.locator('.comment .reply', { hasText: 'just after six' }).waitFor();
    await until(() => page.locator('.post-media-large img').evaluate((el) => el.complete && el.naturalWidth === 1600),
      { what: 'the full picture on the post page' });
    await screenshots(page, OUT, 'post');
  });

  await step('feed: alice sees her posts and bob’s; the profile counts are right', async () => {
    const { page } = alice;
    await page.goto('/');
    await card(page, 'Fish and chips').waitFor();
    await card(page, 'Hello tern!').waitFor();
    assert.equal(await page.locator('article.post').count(), 3);
    await until(() => card(page, 'Early light').locator('.post-media img').evaluate((el) => el.complete && el.naturalWidth > 0),
      { what: 'the thumbnail in the feed' });
    assert.match(await card(page, 'Early light').locator('.post-media img').getAttribute('src'), /^\/uploads\/thumb\//);
    await screenshots(page, OUT, 'feed');

    await page.getByRole('link', { name: alice.nick }).first().click();
    await page.waitForURL(`${BASE}/profile`);
    await page.getByRole('heading', { name: alice.nick }).waitFor();
    const stat = (name) => page.locator(`[data-stat="${name}"]`);
    await until(async () => (await stat('posts').textContent()) === '2', { what: 'alice has 2 posts' });
    assert.equal(await stat('followers').textContent(), '1');
    assert.equal(await stat('followings').textContent(), '1');
    assert.equal(await page.locator('article.post').count(), 2);
    await screenshots(page, OUT, 'profile');
    await page.getByRole('link', { name: /1\s*follower/ }).click();
    await page.locator('.user-row', { hasText: bob.nick }).waitFor();
    await page.getByRole('link', { name: /1\s*following/ }).click();
    await page.locator('.user-row', { hasText: bob.nick }).waitFor();
  });

  await step('bob’s profile: 1 post, 1 follower, 1 following', async () => {
    const { page } = bob;
    await page.goto('/profile');
    await page.getByRole('heading', { name: bob.nick }).waitFor();
    const stat = (name) => page.locator(`[data-stat="${name}"]`);
    await until(async () => (await stat('posts').textContent()) === '1', { what: 'bob has 1 post' });
    assert.equal(await stat('followers').textContent(), '1');
    assert.equal(await stat('followings').textContent(), '1');
  });

  await step('hashtag: a tag link in a post lists every post with it', async () => {
    const { page } = alice;
    await page.goto('/');
    await card(page, 'Hello tern!').getByRole('link', { name: `#${tagA}` }).click();
    await page.waitForURL(`${BASE}/hashtag?hashtag=${tagA}`);
    await card(page, 'Fish and chips').waitFor();
    await card(page, 'Early light').waitFor();
    await card(page, 'Hello tern!').waitFor();
    assert.equal(await page.getByLabel('Search hashtags').inputValue(), tagA);
    await screenshots(page, OUT, 'hashtag');
  });

  await step('markup in a post is shown as text: no <img src=x>, no dialog', async () => {
    const { page } = bob;
    await page.goto('/');
    const evil = '<img src=x onerror=alert(1)> <b>bold?</b> <script>alert(2)</script>';
    await page.getByLabel(`What’s new, ${bob.nick}?`).fill(evil);
    await page.getByRole('button', { name: 'Post', exact: true }).click();
    const text = page.locator('.post-text', { hasText: '<img src=x onerror=alert(1)>' });
    await text.waitFor();
    assert.equal(await text.textContent(), evil);
    await page.reload();
    await page.locator('.post-text', { hasText: '<img src=x onerror=alert(1)>' }).first().waitFor();
    await page.waitForTimeout(300);
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    assert.equal(await page.locator('main b, main script').count(), 0);
  });

  await step('an upload over the limit shows the 413 message', async () => {
    const { page } = bob;
    expectStatus(413, '/api/images');
    await page.getByLabel('Add photo').setInputFiles(oversize);
    const message = page.getByText('That picture is too large to upload');
    await message.waitFor();
    // (The limit is named when the server's refusal names it: a multipart
    // body counted past the limit says so, a Content-Length over it does not.)
    assert.match(await message.textContent(), /^That picture is too large to upload( \(the limit is 195 KB\))?\. Please choose a smaller one\.$/);
    assert.equal(await page.getByRole('button', { name: 'Post', exact: true }).isEnabled(), true);
    assert.equal(await page.getByAltText('Preview of the picture to post').isHidden(), true);
  });

  await scrollJourney({ browser, base: BASE, r: R });
  await keyboardJourney(alice);
  await developersJourney(alice, { out: OUT, r: R });

  await step('log out: both are signed out, and stay so after a reload', async () => {
    for (const who of [alice, bob]) {
      await who.page.goto('/');
      await logOut(who);
      await who.page.getByRole('heading', { name: 'Welcome to tern' }).waitFor();
      await who.page.reload();
      await who.page.getByRole('heading', { name: 'Welcome to tern' }).waitFor();
      await who.page.goto('/profile');
      await who.page.waitForURL(`${BASE}/login?next=/profile`);
    }
  });
}

let ok = false;
try {
  await journey();
  ok = true;
} catch (error) {
  if (!isStop(error)) console.log(`FAIL - the journey itself\n  ${error.stack}`);
  for (const who of [alice, bob]) {
    await who.page.screenshot({ path: path(OUT, `failure-${who.name}.png`), fullPage: true }).catch(() => {});
  }
} finally {
  await browser.close();
}
process.exit(summary() && ok ? 0 : 1);
