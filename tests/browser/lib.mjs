// What the journey shares: a TAP-like tally of steps, a watch on every page
// for console errors, page errors, failed requests, unexpected HTTP errors
// and dialogs, and full-page screenshots at two widths.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const WIDTHS = [360, 1280];
// Per action and per wait. Generous: under ASan every password hash (join,
// log in) takes seconds.
export const TIMEOUT = Number(process.env.TERN_BROWSER_TIMEOUT_MS ?? 30000);
const HEIGHT = 800;

const problems = [];
const allowances = []; // {status, path, response: bool, console: bool}
const tally = { passed: 0, failed: 0, aborted: 0, foreign: 0 };

// Lets one response of this status (to a URL whose path contains `path`)
// and its "Failed to load resource" console line through. A test step says
// beforehand which refusal it provokes; anything else ≥ 400 is a failure.
export function expectStatus(status, path) {
  allowances.push({ status, path, response: false, console: false });
}

function allowResponse(status, url) {
  const a = allowances.find((x) => !x.response && x.status === status && new URL(url).pathname.includes(x.path));
  if (a) a.response = true;
  return Boolean(a);
}

// The database outlives runs and is shared with the other tests, whose
// uploads lived in their own (deleted) directories: a public list may show
// their posts, and their pictures are 404 here. Only a 404 for a picture
// this run uploaded counts.
const ownUploads = new Set();
function uploadName(url) {
  const m = /^\/uploads\/(?:thumb\/)?([\w-]+\.\w+)$/.exec(new URL(url).pathname);
  return m ? m[1] : null;
}
function foreignUpload(status, url) {
  const name = uploadName(url);
  return status === 404 && name !== null && !ownUploads.has(name);
}

function allowConsole(text) {
  const m = /Failed to load resource: the server responded with a status of (\d+)/.exec(text);
  if (!m) return false;
  const a = allowances.find((x) => !x.console && x.status === Number(m[1]));
  if (a) a.console = true;
  return Boolean(a);
}

export function watch(page, who) {
  page.on('console', (msg) => {
    if (msg.type() !== 'error' || allowConsole(msg.text())) return;
    if (/status of 404/.test(msg.text()) && foreignUpload(404, msg.location().url ?? 'http://x/')) return;
    problems.push(`${who}: console error: ${msg.text()} (${msg.location().url ?? ''})`);
  });
  page.on('pageerror', (error) => problems.push(`${who}: page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    // The client aborts the fetches of a view the user has left (and the
    // browser those of a page it leaves): that is by design, not a failure.
    const why = request.failure()?.errorText ?? '';
    if (why === 'net::ERR_ABORTED') {
      tally.aborted += 1;
      return;
    }
    problems.push(`${who}: request failed: ${request.method()} ${request.url()} ${why}`);
  });
  page.on('response', (response) => {
    if (response.status() === 201 && new URL(response.url()).pathname === '/api/images') {
      response.json().then((body) => ownUploads.add(uploadName(new URL(body.url, response.url()).href)), () => {});
    }
    if (response.status() < 400 || allowResponse(response.status(), response.url())) return;
    if (foreignUpload(response.status(), response.url())) {
      tally.foreign += 1;
      return;
    }
    problems.push(`${who}: unexpected ${response.status()} for ${response.request().method()} ${response.url()}`);
  });
  page.on('dialog', (dialog) => {
    problems.push(`${who}: a dialog opened: ${dialog.type()} ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
}

class Stop extends Error {}

// Runs one step; the first failure (a thrown error, or a problem any watched
// page reported meanwhile) ends the journey.
export async function step(name, fn) {
  try {
    await fn();
    if (problems.length) throw new Error(problems.splice(0).join('\n  '));
    tally.passed += 1;
    console.log(`ok - ${name}`);
  } catch (error) {
    tally.failed += 1;
    console.log(`FAIL - ${name}\n  ${String(error.stack ?? error).split('\n').slice(0, 8).join('\n  ')}`);
    throw new Stop();
  }
}

export function skip(name, why) {
  console.log(`ok - ${name} # SKIP ${why}`);
}

export function summary() {
  console.log(`# ignored: ${tally.aborted} requests aborted by navigation, ${tally.foreign} pictures of other runs (404)`);
  console.log(`${tally.passed} passed, ${tally.failed} failed`);
  return tally.failed === 0;
}

export function isStop(error) {
  return error instanceof Stop;
}

// poll(fn) until it returns something truthy; its last error or a timeout
// otherwise.
export async function until(fn, { timeout = TIMEOUT, every = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last = null;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

// Full-page screenshots of what the page shows now, at 360 and 1280 px, as
// OUT/NAME-360.png and OUT/NAME-1280.png; every image loaded first, no toast,
// no focus ring.
export async function screenshots(page, out, name) {
  mkdirSync(out, { recursive: true });
  const before = page.viewportSize();
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: HEIGHT });
    await page.evaluate(async () => {
      document.activeElement?.blur();
      window.scrollTo(0, 0); // else the sticky header is drawn where the page was scrolled to
      document.querySelector('.toast')?.classList.remove('toast-visible');
      await Promise.all([...document.images].map((img) => (img.complete ? null : img.decode().catch(() => null))));
    });
    await page.waitForTimeout(250); // the toast's fade
    await page.screenshot({ path: join(out, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize(before);
}

// Resolves once the client has finished drawing the current view: the router
// marks #main aria-busy while a view renders and scrolls to the URL's #hash
// in the same turn it clears it, so nothing moves under a click after this.
export async function settled(page) {
  await page.locator('#main:not([aria-busy])').waitFor();
}
