// Who is signed in. The session cookie is HttpOnly, so the page cannot see
// it; GET /api/me tells. To keep an anonymous visit free of a 401 on every
// load (Chromium logs each one as a console error), the page remembers in
// localStorage that it signed in, and asks /api/me only then. A stale hint
// costs one 401, after which it is forgotten.

import { api, setUnauthorizedHandler } from './api.js';

const HINT = 'tern.signedIn';
const listeners = new Set();
let me = null;

function hint() {
  try {
    return localStorage.getItem(HINT) === '1';
  } catch {
    return true; // storage disabled: ask the server every time
  }
}

function setHint(on) {
  try {
    if (on) localStorage.setItem(HINT, '1');
    else localStorage.removeItem(HINT);
  } catch {
    // storage disabled: nothing to remember
  }
}

function set(user) {
  me = user && { ...user, followingIds: new Set(user.followingIds ?? []) };
  for (const fn of listeners) fn(me);
}

export const session = {
  get me() { return me; },
  get signedIn() { return me !== null; },
  isMe(userId) { return me !== null && me.id === userId; },
  follows(userId) { return me !== null && me.followingIds.has(userId); },
  // After a follow or unfollow succeeded: keeps followingIds and the count true.
  setFollowing(userId, on) {
    if (!me || me.followingIds.has(userId) === on) return;
    if (on) me.followingIds.add(userId);
    else me.followingIds.delete(userId);
    me.followingCount += on ? 1 : -1;
    for (const fn of listeners) fn(me);
  },
  // fn(me) after every change; returns the unsubscribe function.
  subscribe(fn) {
    listeners.add(fn);
    return () => listeners.delete(fn);
  },
};

export async function loadSession() {
  if (!hint()) return set(null);
  try {
    set(await api.get('/api/me'));
  } catch (e) {
    if (e.status === 401) setHint(false);
    set(null);
  }
}

export async function logIn(email, password) {
  await api.post('/auth/login', { email, password });
  setHint(true);
  await loadSession();
}

export async function logOut() {
  try {
    await api.post('/auth/logout');
  } finally {
    setHint(false);
    set(null);
  }
}

setUnauthorizedHandler(() => {
  setHint(false);
  set(null);
});
