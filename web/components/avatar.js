// A person's initial in a coloured circle, and the link to their profile.
// The colour comes from the id (eight classes in style.css), so it is the
// same everywhere the person appears.

import { h } from '../dom.js';

export function profileHref(user) {
  return `/users/${user.id}`;
}

export function avatar(user, { size = 'medium' } = {}) {
  const initial = [...(user.nick ?? '?').trim()][0]?.toUpperCase() ?? '?';
  return h('span', { class: `avatar avatar-${size} avatar-c${user.id % 8}`, 'aria-hidden': 'true' }, initial);
}

// The avatar and the nick, one link (the avatar is decoration for it).
export function userLink(user, { size = 'medium', className = 'user-link' } = {}) {
  return h('a', { class: className, href: profileHref(user) },
    avatar(user, { size }), h('span', { class: 'nick' }, user.nick));
}
