// Follow / unfollow one person. Every button for the same person changes
// together: they all repaint from the session's followingIds.

import { api } from '../api.js';
import { busy, h, toast } from '../dom.js';
import { navigate } from '../router.js';
import { session } from '../session.js';

// null when there is nothing to offer (it is me). Signed out: a link to log in.
export function followButton(user, { onChange } = {}) {
  if (session.isMe(user.id)) return null;
  if (!session.signedIn) {
    const next = encodeURIComponent(location.pathname + location.search);
    return h('a', { class: 'btn btn-small', href: `/login?next=${next}` }, 'Follow');
  }
  const button = h('button', { class: 'btn btn-small follow-button', type: 'button' });
  let seen = false;
  const paint = () => {
    if (button.isConnected) seen = true;
    else if (seen) return unsubscribe();
    const on = session.follows(user.id);
    button.textContent = on ? 'Following' : 'Follow';
    button.classList.toggle('btn-primary', !on);
    button.setAttribute('aria-label', `${on ? 'Unfollow' : 'Follow'} ${user.nick}`);
  };
  const unsubscribe = session.subscribe(paint);
  paint();
  button.addEventListener('click', () => busy(button, null, async () => {
    const on = !session.follows(user.id);
    try {
      if (on) await api.post(`/api/users/${user.id}/follow`);
      else await api.del(`/api/users/${user.id}/follow`);
    } catch (e) {
      if (e.status === 401) return navigate('/login');
      return toast(e.message, { error: true });
    }
    session.setFollowing(user.id, on);
    toast(on ? `You follow ${user.nick} now.` : `You no longer follow ${user.nick}.`);
    onChange?.(on);
  }).finally(paint));
  return button;
}
