// Hashtag search: /hashtag?hashtag=node lists the posts tagged #node (the
// server matches without regard to case). Without a tag: the search form.

import { api, withQuery } from '../api.js';
import { h, notice } from '../dom.js';
import { postList } from '../components/post-list.js';

function searchForm(value = '') {
  const input = h('input', {
    id: 'hashtag-page-input', name: 'hashtag', type: 'search', value, maxlength: 50,
    placeholder: 'e.g. travel', autocomplete: 'off', required: true,
  });
  return h('form', { class: 'card search-card', action: '/hashtag', method: 'get', role: 'search' },
    h('label', { for: 'hashtag-page-input' }, 'Find posts by hashtag'),
    h('div', { class: 'inline-field' }, input, h('button', { class: 'btn btn-primary', type: 'submit' }, 'Search')));
}

export async function hashtagView({ query, outlet, signal }) {
  const tag = (query.get('hashtag') ?? '').trim().replace(/^#+/, '');
  if (!tag) {
    document.title = 'Search hashtags — tern';
    const form = searchForm();
    // The header's search box does the navigating; this form submits through it.
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const header = document.querySelector('.search');
      header.querySelector('input').value = form.querySelector('input').value;
      header.requestSubmit();
    });
    outlet.append(h('h1', { class: 'page-title' }, 'Search hashtags'), form,
      notice('Type a hashtag to see its posts', 'Every #word in a post is a hashtag. Click one in any post to see the others.'));
    return;
  }
  document.title = `#${tag} — tern`;
  const list = postList({
    load: (before) => api.get(withQuery(`/api/hashtags/${encodeURIComponent(tag)}/posts`, { before }), { signal }),
    empty: () => notice(`No posts with #${tag} yet`, 'Write one: put the hashtag anywhere in your post.'),
    signal,
    label: `Posts tagged #${tag}`,
  });
  outlet.append(
    h('header', { class: 'page-head' },
      h('p', { class: 'eyebrow' }, 'Hashtag'),
      h('h1', { class: 'page-title' }, `#${tag}`)),
    list.el);
  await list.ready;
}
