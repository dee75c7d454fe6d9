// The site header: the navigation (which depends on who is signed in, and
// marks the current page) and the hashtag search box.

import { h, toast } from '../dom.js';
import { avatar } from './avatar.js';
import { navigate } from '../router.js';
import { logOut, session } from '../session.js';

function navLink(href, label, current, { extra = null, className = '' } = {}) {
  return h('a', { class: ['nav-link', className], href, 'aria-current': current ? 'page' : null },
    extra, h('span', { class: 'nav-label' }, label));
}

export function paintNav(url = new URL(location.href)) {
  const nav = document.querySelector('.site-nav');
  const path = url.pathname;
  const me = session.me;
  if (!me) {
    nav.replaceChildren(
      navLink('/login', 'Log in', path === '/login'),
      h('a', { class: 'btn btn-primary btn-small', href: '/join', 'aria-current': path === '/join' ? 'page' : null }, 'Join'));
    return;
  }
  const out = h('button', { class: 'btn btn-small', type: 'button' }, 'Log out');
  out.addEventListener('click', async () => {
    out.disabled = true;
    try {
      await logOut();
      toast('You are logged out.');
    } catch (e) {
      toast(e.message, { error: true });
    }
    navigate('/');
  });
  nav.replaceChildren(
    navLink('/', 'Feed', path === '/', { className: 'nav-wide' }),
    navLink('/developers', 'Developers', path === '/developers', { className: 'nav-wide' }),
    navLink('/profile', me.nick, path === '/profile' || path === `/users/${me.id}`,
      { extra: avatar(me, { size: 'small' }), className: 'nav-profile' }),
    out);
}

// The search box sends /hashtag?hashtag=<tag> (without a leading '#').
export function setUpSearch() {
  const form = document.querySelector('.search');
  const input = form.querySelector('input');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const tag = input.value.trim().replace(/^#+/, '');
    if (!tag) return input.focus();
    navigate(`/hashtag?hashtag=${encodeURIComponent(tag)}`);
  });
  return (url) => {
    input.value = url.pathname === '/hashtag' ? url.searchParams.get('hashtag') ?? '' : '';
  };
}
