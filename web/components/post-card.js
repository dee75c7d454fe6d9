// One post as a card: who and when, the text with #hashtag links, the
// picture in a box of fixed size, and its actions (like, comments, follow,
// delete). In the feed the picture is the thumbnail; on the post page
// (large) it is the original.

import { api } from '../api.js';
import { append, h, toast } from '../dom.js';
import { plural, richText, timeElement } from '../format.js';
import { icon } from '../icons.js';
import { navigate } from '../router.js';
import { session } from '../session.js';
import { avatar, profileHref } from './avatar.js';
import { followButton } from './follow-button.js';
import { watchThumbnail } from './thumbnail.js';

export function postHref(post) {
  return `/posts/${post.id}`;
}

function loginFirst() {
  navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
}

function likeButton(post) {
  const count = h('span', { class: 'count' });
  const button = h('button', { class: 'action like-button', type: 'button' },
    icon('heart'), count);
  const paint = () => {
    button.setAttribute('aria-pressed', String(post.liked));
    button.setAttribute('aria-label', `Like, ${plural(post.likeCount, 'like')}`);
    count.textContent = post.likeCount.toLocaleString();
    button.title = post.liked ? 'Unlike' : 'Like';
  };
  paint();
  button.addEventListener('click', async () => {
    if (!session.signedIn) return loginFirst();
    // At once on screen; put back if the server says no.
    const on = !post.liked;
    post.liked = on;
    post.likeCount += on ? 1 : -1;
    paint();
    try {
      if (on) await api.post(`/api/posts/${post.id}/like`);
      else await api.del(`/api/posts/${post.id}/like`);
    } catch (e) {
      post.liked = !on;
      post.likeCount += on ? -1 : 1;
      paint();
      if (e.status === 401) return loginFirst();
      toast(e.message, { error: true });
    }
  });
  return button;
}

// The comment count link; card.setCommentCount(n) keeps it true.
function commentsLink(post) {
  const label = h('span', { class: 'count' });
  const link = h('a', { class: 'action', href: `${postHref(post)}#comments` }, icon('comment'), label);
  const paint = () => {
    label.textContent = post.commentCount.toLocaleString();
    link.setAttribute('aria-label', plural(post.commentCount, 'comment'));
  };
  paint();
  return { link, paint };
}

function deleteButton(post, card, onDeleted) {
  const button = h('button', { class: 'action action-danger', type: 'button', title: 'Delete post' },
    icon('trash'), h('span', { class: 'sr-only' }, 'Delete post'));
  const confirmBox = h('span', { class: 'confirm', hidden: true },
    h('span', {}, 'Delete this post?'),
    h('button', {
      class: 'btn btn-small btn-danger', type: 'button',
      onclick: async () => {
        try {
          await api.del(`/api/posts/${post.id}`);
        } catch (e) {
          return toast(e.message, { error: true });
        }
        toast('Post deleted.');
        card.remove();
        onDeleted?.(post);
      },
    }, 'Delete'),
    h('button', {
      class: 'btn btn-small', type: 'button',
      onclick: () => { confirmBox.hidden = true; button.hidden = false; button.focus(); },
    }, 'Cancel'));
  button.addEventListener('click', () => {
    button.hidden = true;
    confirmBox.hidden = false;
    confirmBox.querySelector('button').focus();
  });
  return [button, confirmBox];
}

function media(post, large, signal) {
  const thumb = post.img.thumbUrl;
  const img = h('img', {
    src: large ? post.img.url : thumb ?? post.img.url,
    alt: `Picture posted by ${post.user.nick}`,
    decoding: 'async',
  });
  if (!large && !thumb && signal) watchThumbnail(post.id, img, signal);
  const box = large
    ? h('a', { class: 'post-media post-media-large', href: post.img.url, target: '_blank', rel: 'noopener' }, img)
    : h('a', { class: 'post-media', href: postHref(post) }, img);
  // A file the server lost: say so in the box instead of a broken-image icon.
  img.addEventListener('error', () => box.classList.add('media-broken'));
  img.addEventListener('load', () => box.classList.remove('media-broken'));
  return box;
}

// post: the API's post object (mutated as the user likes it).
// Options: large (the post page), signal (stops thumbnail polling), onDeleted,
// follow (false on a profile: the page has the one follow button).
export function postCard(post, { large = false, signal = null, onDeleted = null, follow = true } = {}) {
  const card = h('article', { class: ['card', 'post', large && 'post-large'], 'data-post-id': post.id });
  const comments = commentsLink(post);
  const mine = session.isMe(post.user.id);
  append(card, [
    h('header', { class: 'post-head' },
      h('a', { class: 'post-avatar', href: profileHref(post.user), tabindex: '-1', 'aria-hidden': 'true' },
        avatar(post.user)),
      h('div', { class: 'post-byline' },
        h('a', { class: 'nick', href: profileHref(post.user) }, post.user.nick),
        h('a', { class: 'post-time', href: postHref(post) }, timeElement(post.createdAt))),
      follow && !mine && session.signedIn && !session.follows(post.user.id) ? followButton(post.user) : null),
    h('p', { class: 'post-text' }, richText(post.content)),
    post.img ? media(post, large, signal) : null,
    h('footer', { class: 'post-actions' },
      likeButton(post),
      comments.link,
      mine ? deleteButton(post, card, onDeleted) : null)]);
  card.setCommentCount = (n) => {
    post.commentCount = n;
    comments.paint();
  };
  return card;
}
