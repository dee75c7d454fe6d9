// A person's page: /profile is me, /users/:id anyone. Their counts, a follow
// button, and three tabs: posts, followers, following (?tab=followers|followings).

import { api, ApiError, withQuery } from '../api.js';
import { h, notice } from '../dom.js';
import { avatar } from '../components/avatar.js';
import { followButton } from '../components/follow-button.js';
import { postList } from '../components/post-list.js';
import { userList } from '../components/user-list.js';
import { navigate } from '../router.js';
import { session } from '../session.js';

const TABS = ['posts', 'followers', 'followings'];

// One count that links to its list. set(n) repaints number and word.
function stat(href, name, one, many, current) {
  const value = h('span', { class: 'stat-value', 'data-stat': name });
  const label = h('span', { class: 'stat-label' });
  const el = h('a', { class: 'stat', href, 'aria-current': current ? 'page' : null }, value, label);
  const set = (n) => {
    value.textContent = typeof n === 'number' ? n.toLocaleString() : n;
    label.textContent = n === 1 || n === '1' ? one : many;
  };
  return { el, set };
}

function tabContent(user, tab, signal, isMe) {
  if (tab === 'posts') {
    return postList({
      load: (before) => api.get(withQuery(`/api/users/${user.id}/posts`, { before }), { signal }),
      empty: () => notice(isMe ? 'You have not posted yet' : `${user.nick} has not posted yet`,
        isMe ? 'Your posts appear here. Write one on the feed page.' : null,
        isMe ? h('a', { class: 'btn', href: '/' }, 'Write a post') : null),
      signal,
      label: `Posts by ${user.nick}`,
      card: { follow: false },
    });
  }
  const followers = tab === 'followers';
  return userList({
    load: (before) => api.get(withQuery(`/api/users/${user.id}/${tab}`, { before }), { signal }),
    empty: () => notice(followers ? 'No followers yet' : 'Not following anyone yet'),
    signal,
    label: followers ? `People who follow ${user.nick}` : `People ${user.nick} follows`,
  });
}

export async function profileView({ params, query, outlet, signal }) {
  let id;
  if (params.id === undefined) {
    if (!session.signedIn) return navigate('/login?next=/profile', { replace: true });
    id = session.me.id;
  } else {
    if (!/^[1-9]\d{0,17}$/.test(params.id)) throw new ApiError(404, 'user_not_found', 'no such user');
    id = Number(params.id);
  }
  const isMe = session.isMe(id);
  const base = params.id === undefined ? '/profile' : `/users/${id}`;
  const tab = TABS.includes(query.get('tab')) ? query.get('tab') : 'posts';

  const user = await api.get(`/api/users/${id}`, { signal });
  if (signal.aborted) return;
  document.title = `${user.nick} — tern`;

  const posts = stat(base, 'posts', 'post', 'posts', tab === 'posts');
  const followers = stat(`${base}?tab=followers`, 'followers', 'follower', 'followers', tab === 'followers');
  const followings = stat(`${base}?tab=followings`, 'followings', 'following', 'following', tab === 'followings');
  posts.set('…');
  followers.set(user.followerCount);
  followings.set(user.followingCount);

  const follow = isMe ? null : followButton(user, {
    onChange: (on) => {
      user.followerCount += on ? 1 : -1;
      followers.set(user.followerCount);
    },
  });
  follow?.classList.remove('btn-small');
  const content = tabContent(user, tab, signal, isMe);

  outlet.append(
    h('section', { class: 'card profile-head' },
      avatar(user, { size: 'large' }),
      h('div', { class: 'profile-who' },
        h('h1', { class: 'profile-nick' }, user.nick),
        isMe ? h('p', { class: 'muted' }, 'This is you.') : null),
      follow ? h('div', { class: 'profile-actions' }, follow) : null,
      h('nav', { class: 'stats', 'aria-label': `${user.nick}’s lists` },
        posts.el, followers.el, followings.el)),
    h('h2', { class: 'section-title' },
      tab === 'posts' ? 'Posts' : tab === 'followers' ? 'Followers' : 'Following'),
    content.el);

  posts.set(user.postCount);
  await content.ready;
}
