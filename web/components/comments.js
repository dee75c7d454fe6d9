// The comments under a post, oldest first, each with its replies. A post
// carries its first 20 comments; "Show more comments" pages the rest with
// ?after=<last comment id>. Signed-in readers can comment and reply.

import { api, withQuery } from '../api.js';
import { busy, h, toast, uid } from '../dom.js';
import { plural, sentence, timeElement } from '../format.js';
import { icon } from '../icons.js';
import { session } from '../session.js';
import { avatar, profileHref } from './avatar.js';

const MAX = 500;

// A textarea with its label, a submit button and an error line.
// send(content) → Promise; throws ApiError on refusal.
function textForm({ label, placeholder, submitLabel, send, onCancel, className }) {
  const id = uid('comment');
  const area = h('textarea', { id, rows: 2, maxlength: 2000, placeholder, 'aria-describedby': `${id}-error` });
  const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
  const submit = h('button', { class: 'btn btn-primary btn-small', type: 'submit' }, submitLabel);
  const form = h('form', { class: ['comment-form', className], novalidate: true },
    h('label', { for: id }, label), area, error,
    h('div', { class: 'comment-form-bar' },
      onCancel ? h('button', { class: 'btn btn-small', type: 'button', onclick: onCancel }, 'Cancel') : null,
      submit));
  const fail = (message) => {
    error.textContent = message;
    error.hidden = false;
    area.setAttribute('aria-invalid', 'true');
    area.focus();
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const content = area.value.trim();
    const n = [...content].length;
    if (n === 0) return fail('Write something first.');
    if (n > MAX) return fail(`At most ${MAX} characters; this has ${n}.`);
    busy(submit, 'Sending…', async () => {
      try {
        await send(content);
        area.value = '';
        error.hidden = true;
        area.removeAttribute('aria-invalid');
      } catch (e) {
        fail(sentence(e.message));
      }
    });
  });
  form.focusText = () => area.focus();
  return form;
}

function byline(item) {
  return h('div', { class: 'comment-head' },
    h('a', { class: 'comment-avatar', href: profileHref(item.user), tabindex: '-1', 'aria-hidden': 'true' },
      avatar(item.user, { size: 'small' })),
    h('a', { class: 'nick', href: profileHref(item.user) }, item.user.nick),
    h('span', { class: 'comment-time' }, timeElement(item.createdAt)));
}

function replyItem(reply) {
  return h('li', { class: 'reply', id: `reply-${reply.id}` },
    byline(reply), h('p', { class: 'comment-text' }, reply.content));
}

function commentItem(comment) {
  const replies = h('ul', { class: 'replies' }, comment.replies.map(replyItem));
  const hiddenReplies = comment.replyCount - comment.replies.length;
  const item = h('li', { class: 'comment', id: `comment-${comment.id}` },
    byline(comment), h('p', { class: 'comment-text' }, comment.content), replies,
    // The API carries a comment's first 20 replies and has no way to page
    // the rest: say how many there are.
    hiddenReplies > 0 ? h('p', { class: 'muted small' }, `${plural(hiddenReplies, 'more reply', 'more replies')} not shown.`) : null);
  if (!session.signedIn) return item;

  const toggle = h('button', { class: 'action reply-toggle', type: 'button', 'aria-expanded': 'false' },
    icon('reply'), 'Reply');
  toggle.setAttribute('aria-label', `Reply to ${comment.user.nick}`);
  let form = null;
  const close = () => {
    form?.remove();
    form = null;
    toggle.setAttribute('aria-expanded', 'false');
    toggle.focus();
  };
  toggle.addEventListener('click', () => {
    if (form) return close();
    form = textForm({
      label: `Your reply to ${comment.user.nick}`,
      placeholder: 'Write a reply…',
      submitLabel: 'Reply',
      className: 'reply-form',
      onCancel: close,
      send: async (content) => {
        const { reply } = await api.post(`/api/comments/${comment.id}/replies`, { content });
        replies.append(replyItem(reply));
        toast('Reply posted.');
        close();
      },
    });
    toggle.setAttribute('aria-expanded', 'true');
    item.append(form);
    form.focusText();
  });
  replies.before(h('div', { class: 'comment-actions' }, toggle));
  return item;
}

// onCount(n) whenever the number of comments changes.
export function commentsSection(post, { signal, onCount }) {
  const list = h('ul', { class: 'comments' });
  const shown = new Set();
  const heading = h('h2', { id: 'comments', tabindex: '-1' });
  const paintHeading = () => { heading.textContent = post.commentCount ? plural(post.commentCount, 'comment') : 'Comments'; };
  const add = (comment) => {
    if (shown.has(comment.id)) return;
    shown.add(comment.id);
    list.append(commentItem(comment));
  };
  post.comments.forEach(add);
  paintHeading();

  const empty = h('p', { class: 'muted comments-empty' }, 'No comments yet. Be the first to say something.');
  const syncEmpty = () => { empty.hidden = shown.size > 0; };
  syncEmpty();

  let after = post.comments.at(-1)?.id ?? null;
  const more = h('button', { class: 'btn btn-wide', type: 'button' }, 'Show more comments');
  let done = shown.size >= post.commentCount;
  const syncMore = () => { more.hidden = done; };
  syncMore();
  more.addEventListener('click', () => busy(more, 'Loading…', async () => {
    try {
      const page = await api.get(withQuery(`/api/posts/${post.id}/comments`, { after }), { signal });
      page.comments.forEach(add);
      after = page.comments.at(-1)?.id ?? after;
      done = page.next === null;
    } catch (e) {
      if (e.name !== 'AbortError') toast(e.message, { error: true });
    }
  }).finally(syncMore));

  const section = h('section', { class: 'card comments-card', 'aria-labelledby': 'comments' },
    heading, empty, list, more);
  if (session.signedIn) {
    section.append(textForm({
      label: 'Add a comment',
      placeholder: 'Write a comment…',
      submitLabel: 'Comment',
      send: async (content) => {
        const { comment } = await api.post(`/api/posts/${post.id}/comments`, { content });
        add(comment);
        post.commentCount += 1;
        paintHeading();
        syncEmpty();
        syncMore();
        onCount?.(post.commentCount);
        toast('Comment posted.');
      },
    }));
  } else {
    const next = encodeURIComponent(location.pathname);
    section.append(h('p', { class: 'comments-login' },
      h('a', { href: `/login?next=${next}` }, 'Log in'), ' or ',
      h('a', { href: '/join' }, 'join'), ' to comment.'));
  }
  return section;
}
