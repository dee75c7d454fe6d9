// Client-side routing: the server answers each of the client's paths with
// index.html (handlers/app.cpp), and from then on links change the view with
// history.pushState.
//
// A view is async (ctx) => void, where ctx = {params, query, outlet, signal}.
// It fills ctx.outlet. ctx.signal aborts when the user navigates away: views
// stop their polling, observers and fetches on it.

import { ApiError } from './api.js';
import { h, notice } from './dom.js';

const routes = [];
let outlet = null;
let current = null; // the AbortController of the view on screen
const afterRender = new Set();

export function route(pattern, view) {
  const keys = [];
  const source = pattern.replace(/:(\w+)/g, (_, key) => {
    keys.push(key);
    return '([^/]+)';
  });
  routes.push({ re: new RegExp(`^${source}/?$`), keys, view });
}

let notFound = null;
export function fallback(view) {
  notFound = view;
}

export function onRender(fn) {
  afterRender.add(fn);
}

// Goes to a same-origin URL; anything else leaves the page.
export function navigate(to, { replace = false } = {}) {
  const url = new URL(to, location.href);
  if (url.origin !== location.origin) {
    location.assign(url.href);
    return;
  }
  // Remember where the page was scrolled, for the way back.
  history.replaceState({ ...history.state, scroll: window.scrollY }, '');
  history[replace ? 'replaceState' : 'pushState'](null, '', url.pathname + url.search + url.hash);
  render({ focus: true });
}

// Renders the current URL again (after signing in or out).
export function refresh() {
  render({ focus: false, keepScroll: true });
}

function match(pathname) {
  for (const { re, keys, view } of routes) {
    const m = re.exec(pathname);
    if (!m) continue;
    const params = {};
    try {
      keys.forEach((key, i) => { params[key] = decodeURIComponent(m[i + 1]); });
    } catch {
      break; // malformed percent-encoding: no page of ours
    }
    return { view, params };
  }
  return { view: notFound, params: {} };
}

async function render({ focus, keepScroll = false, scrollTo = null }) {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  const url = new URL(location.href);
  const { view, params } = match(url.pathname);
  outlet.replaceChildren();
  outlet.setAttribute('aria-busy', 'true');
  if (!keepScroll) window.scrollTo(0, 0);
  if (focus) outlet.focus({ preventScroll: true });
  for (const fn of afterRender) fn(url);
  try {
    await view({ params, query: url.searchParams, outlet, signal: controller.signal });
  } catch (e) {
    if (controller.signal.aborted || e.name === 'AbortError') return;
    outlet.replaceChildren(failure(e));
    if (!(e instanceof ApiError)) reportError(e); // a bug: let it be seen
  } finally {
    if (current === controller) outlet.removeAttribute('aria-busy');
  }
  if (controller.signal.aborted) return;
  if (scrollTo !== null) window.scrollTo(0, scrollTo);
  else if (url.hash) document.getElementById(url.hash.slice(1))?.scrollIntoView();
}

function failure(e) {
  const retry = h('button', { class: 'btn', type: 'button', onclick: () => refresh() }, 'Try again');
  if (e instanceof ApiError && e.status === 404) {
    return notice('Not found', 'There is nothing here. It may have been deleted.',
      h('a', { class: 'btn', href: '/' }, 'Go to the feed'));
  }
  return notice('Something went wrong', e instanceof ApiError ? e.message : 'The page could not be shown.', retry);
}

function isPlainClick(event) {
  return event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey &&
    !event.altKey && !event.defaultPrevented;
}

export function start(main) {
  outlet = main;
  document.addEventListener('click', (event) => {
    const link = event.target.closest?.('a[href]');
    if (!link || !isPlainClick(event) || link.target || link.hasAttribute('download')) return;
    const url = new URL(link.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/uploads/')) return;
    const samePage = url.pathname === location.pathname && url.search === location.search;
    if (samePage && url.hash) return; // an anchor on this page: the browser scrolls to it
    event.preventDefault();
    if (url.href === location.href) return refresh();
    navigate(url.href);
  });
  history.scrollRestoration = 'manual'; // the content arrives after the browser would scroll
  window.addEventListener('popstate', (event) => render({ focus: true, scrollTo: event.state?.scroll ?? null }));
  return render({ focus: false });
}
