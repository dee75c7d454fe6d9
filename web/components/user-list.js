// Followers or followings: people as rows with a follow button, paged by the
// server's cursor with a "Show more" button.

import { h, notice, spinner } from '../dom.js';
import { userLink } from './avatar.js';
import { followButton } from './follow-button.js';

// load(before) → Promise<{users, next}>; empty() → the node for no people.
// Returns {el, ready}, ready settling once the first page is shown.
export function userList({ load, empty, signal, label }) {
  const list = h('ul', { class: 'user-list', 'aria-label': label });
  const status = h('div', { class: 'list-status' });
  const more = h('button', { class: 'btn btn-wide', type: 'button', hidden: true }, 'Show more');
  const el = h('section', { class: 'card people' }, list, status, more);
  let next = null;
  let count = 0;

  const page = async () => {
    more.hidden = true;
    status.replaceChildren(spinner('Loading people…'));
    try {
      const result = await load(next);
      if (signal.aborted) return;
      for (const user of result.users) {
        count += 1;
        list.append(h('li', { class: 'user-row' }, userLink(user), followButton(user)));
      }
      next = result.next ?? null;
      status.replaceChildren(count === 0 ? empty() : '');
      more.hidden = next === null;
    } catch (e) {
      if (e.name === 'AbortError' || signal.aborted) return;
      status.replaceChildren(notice('Could not load the list', e.message,
        h('button', { class: 'btn', type: 'button', onclick: page }, 'Try again')));
    }
  };
  more.addEventListener('click', page);
  return { el, ready: page() };
}
