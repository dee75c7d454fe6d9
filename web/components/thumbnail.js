// A new upload's thumbnail is made off the server's event loop, and until it
// exists the post's img.thumbUrl is null (and /uploads/thumb/… is 404). The
// card shows the original meanwhile; this asks for the post again every
// second and swaps the thumbnail in once it is there, without a reload. The
// image box has a fixed size, so the swap moves nothing on the page.

import { api } from '../api.js';

export function watchThumbnail(postId, img, signal, { every = 1000, tries = 60 } = {}) {
  let timer = 0;
  let left = tries;
  const stop = () => clearTimeout(timer);
  signal.addEventListener('abort', stop, { once: true });

  const tick = async () => {
    if (signal.aborted || !img.isConnected) return;
    left -= 1;
    let thumb = null;
    try {
      const { post } = await api.get(`/api/posts/${postId}`, { signal });
      thumb = post.img?.thumbUrl ?? null;
      if (!post.img) return; // the image is gone: nothing to wait for
    } catch (e) {
      if (e.name === 'AbortError' || e.status === 404) return;
    }
    if (thumb) {
      // Loaded before it is shown, so the box never blinks empty.
      const next = new Image();
      next.addEventListener('load', () => { img.src = thumb; }, { once: true });
      next.src = thumb;
    } else if (left > 0) {
      timer = setTimeout(tick, every);
    }
  };
  timer = setTimeout(tick, every);
}
