// One post (/posts/:id): the card with the full picture, then its comments.

import { api, ApiError } from '../api.js';
import { h } from '../dom.js';
import { commentsSection } from '../components/comments.js';
import { postCard } from '../components/post-card.js';
import { navigate } from '../router.js';

export async function postView({ params, outlet, signal }) {
  const id = params.id;
  if (!/^[1-9]\d{0,17}$/.test(id)) throw new ApiError(404, 'post_not_found', 'no such post');
  const { post } = await api.get(`/api/posts/${id}`, { signal });
  if (signal.aborted) return;
  const words = [...post.content].slice(0, 40).join('');
  document.title = `${post.user.nick}: “${words}” — tern`;
  const card = postCard(post, { large: true, signal, onDeleted: () => navigate('/', { replace: true }) });
  outlet.append(
    h('h1', { class: 'sr-only' }, `Post by ${post.user.nick}`),
    card,
    commentsSection(post, { signal, onCount: (n) => card.setCommentCount(n) }));
}
