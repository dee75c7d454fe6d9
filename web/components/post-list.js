// A list of posts paged on the server's cursor: `next` of one page is the
// `before` of the following one. It loads more as the end scrolls into view
// (infinite scroll), and the same "Show more" button works by keyboard.

import { h, notice, spinner } from '../dom.js';
import { postCard } from './post-card.js';

// load(before) → Promise<{posts, next}>; empty() → the node shown for no posts;
// card: options for each postCard. Returns {el, prepend(post), ready}, ready
// settling once the first page is on screen (or failed).
export function postList({ load, empty, signal, label = 'Posts', card = {} }) {
  const list = h('div', { class: 'post-list', 'aria-label': label, role: 'region' });
  const status = h('div', { class: 'list-status' });
  const more = h('button', { class: 'btn btn-wide', type: 'button', hidden: true }, 'Show more');
  const el = h('section', { class: 'posts' }, list, status, more);
  const shown = new Set();
  let next = undefined; // undefined: nothing loaded yet; null: the end
  let loading = false;

  const add = (post, where = 'end') => {
    if (shown.has(post.id)) return;
    shown.add(post.id);
    const node = postCard(post, {
      ...card,
      signal,
      onDeleted: () => {
        shown.delete(post.id);
        if (shown.size === 0 && next === null) status.replaceChildren(empty());
      },
    });
    if (where === 'start') list.prepend(node);
    else list.append(node);
  };

  const page = async () => {
    if (loading || next === null) return;
    loading = true;
    more.hidden = true;
    status.replaceChildren(spinner(next === undefined ? 'Loading posts…' : 'Loading more…'));
    try {
      const result = await load(next ?? null);
      if (signal.aborted) return;
      result.posts.forEach((post) => add(post));
      next = result.next ?? null;
      status.replaceChildren();
      if (shown.size === 0) status.append(empty());
      else if (next === null) status.append(h('p', { class: 'list-end' }, 'You’re all caught up.'));
      more.hidden = next === null;
    } catch (e) {
      if (e.name === 'AbortError' || signal.aborted) return;
      status.replaceChildren(notice('Could not load posts', e.message,
        h('button', { class: 'btn', type: 'button', onclick: page }, 'Try again')));
    } finally {
      loading = false;
    }
    // A short first page may not fill the screen: keep going while the
    // button is still in view.
    if (next && isInView(more)) page();
  };

  more.addEventListener('click', page);
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) page();
  }, { rootMargin: '600px 0px' });
  observer.observe(more);
  signal.addEventListener('abort', () => observer.disconnect(), { once: true });

  const ready = page();
  return {
    el,
    ready,
    prepend(post) {
      add(post, 'start');
      if (status.querySelector('.notice')) status.replaceChildren();
    },
  };
}

function isInView(el) {
  if (el.hidden || !el.isConnected) return false;
  const r = el.getBoundingClientRect();
  return r.top < window.innerHeight + 600;
}
