// The home page. Signed in: the post form and the feed of the people I
// follow and my own posts (/api/feed), or everyone's (/api/posts) on the
// second tab. Signed out: a welcome and everyone's posts.

import { api, withQuery } from '../api.js';
import { h, notice } from '../dom.js';
import { postForm } from '../components/post-form.js';
import { postList } from '../components/post-list.js';
import { session } from '../session.js';

function tabs(everyone) {
  const tab = (href, label, current) =>
    h('a', { class: 'tab', href, 'aria-current': current ? 'page' : null }, label);
  return h('nav', { class: 'tabs', 'aria-label': 'Which posts' },
    tab('/', 'Following', !everyone), tab('/?tab=everyone', 'Everyone', everyone));
}

function welcome() {
  return h('section', { class: 'card welcome' },
    h('h1', {}, 'Welcome to tern'),
    h('p', {}, 'Share photos and short posts, follow people, and join topics with #hashtags.'),
    h('p', { class: 'welcome-actions' },
      h('a', { class: 'btn btn-primary', href: '/join' }, 'Create an account'),
      h('a', { class: 'btn', href: '/login' }, 'Log in')));
}

export async function feedView({ query, outlet, signal }) {
  const signedIn = session.signedIn;
  const everyone = !signedIn || query.get('tab') === 'everyone';
  document.title = 'tern';
  const path = everyone ? '/api/posts' : '/api/feed';
  const empty = () => (everyone
    ? notice('No posts yet', 'Nobody has posted anything yet.')
    : notice('Your feed is empty',
      'Posts from people you follow and your own appear here. Find people on the Everyone tab and follow them.',
      h('a', { class: 'btn', href: '/?tab=everyone' }, 'See everyone’s posts')));
  const list = postList({
    load: (before) => api.get(withQuery(path, { before }), { signal }),
    empty,
    signal,
    label: everyone ? 'Everyone’s posts' : 'Your feed',
  });
  if (!signedIn) {
    outlet.append(welcome(), h('h2', { class: 'section-title' }, 'Latest posts'), list.el);
  } else {
    outlet.append(
      h('h1', { class: 'sr-only' }, 'Home'),
      postForm({ onPosted: (post) => list.prepend(post) }),
      tabs(everyone),
      list.el);
  }
  await list.ready;
}
