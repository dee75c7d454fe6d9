// tern's web client: finds out who is signed in, draws the header, and hands
// every URL to its view. Plain ES modules, no build step.

import { h, notice } from './dom.js';
import { paintNav, setUpSearch } from './components/header.js';
import { fallback, onRender, route, start } from './router.js';
import { loadSession, session } from './session.js';
import { joinView, loginView } from './views/auth.js';
import { developersView } from './views/developers.js';
import { feedView } from './views/feed.js';
import { hashtagView } from './views/hashtag.js';
import { postView } from './views/post.js';
import { profileView } from './views/profile.js';

route('/', feedView);
route('/login', loginView);
route('/join', joinView);
route('/profile', profileView);
route('/users/:id', profileView);
route('/hashtag', hashtagView);
route('/posts/:id', postView);
route('/developers', developersView);
fallback(async ({ outlet }) => {
  document.title = 'Not found — tern';
  outlet.append(notice('Page not found', 'There is no page at this address.',
    h('a', { class: 'btn', href: '/' }, 'Go to the feed')));
});

const paintSearch = setUpSearch();
onRender((url) => {
  paintNav(url);
  paintSearch(url);
});

await loadSession();
session.subscribe(() => paintNav()); // signed in or out, a nick or a count changed
start(document.getElementById('main'));
