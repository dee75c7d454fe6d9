// Writing a post: up to 140 characters and one picture. The picture is
// uploaded as soon as it is chosen (with a progress bar), previewed from the
// URL the server returns, and named in the post when it is sent.

import { api, uploadImage } from '../api.js';
import { busy, h, toast, uid } from '../dom.js';
import { bytes, length, sentence } from '../format.js';
import { icon } from '../icons.js';
import { session } from '../session.js';

const MAX = 140;
const ACCEPT = 'image/jpeg,image/png,image/webp,image/gif';

// What the user reads when an upload is refused.
function uploadMessage(e) {
  if (e.status === 413) {
    const limit = /over (\d+) bytes/.exec(e.message);
    return `That picture is too large to upload${limit ? ` (the limit is ${bytes(Number(limit[1]))})` : ''}. Please choose a smaller one.`;
  }
  if (e.code === 'image_too_big') return 'That picture has too many pixels or frames. Please choose a smaller one.';
  if (e.status === 415) return 'That file is not a picture tern can read. Use a JPEG, PNG, WebP or GIF.';
  return e.message;
}

// onPosted(post) after the server stored it.
export function postForm({ onPosted }) {
  const textId = uid('post-text');
  const counterId = `${textId}-count`;
  const errorId = `${textId}-error`;
  // maxlength well past 140: typing on shows the counter go red (and says
  // by how much) rather than cutting the text off; a pasted book is cut.
  const text = h('textarea', {
    id: textId, name: 'content', rows: 3, maxlength: 400, required: true,
    placeholder: 'Share something… use #hashtags to join a topic',
    'aria-describedby': `${counterId} ${errorId}`,
  });
  const counter = h('span', { class: 'counter', id: counterId, 'aria-live': 'polite' }, `0 / ${MAX}`);
  const textError = h('p', { class: 'field-error', id: errorId, hidden: true });

  const fileId = uid('post-image');
  const file = h('input', { id: fileId, class: 'file-input', type: 'file', name: 'img', accept: ACCEPT });
  const picker = h('label', { class: 'btn btn-quiet file-label', for: fileId }, icon('image'), 'Add photo');
  const progress = h('progress', { class: 'upload-progress', max: 100, value: 0, hidden: true, 'aria-label': 'Upload progress' });
  const imageError = h('p', { class: 'field-error', role: 'alert', hidden: true });
  const previewImg = h('img', { alt: 'Preview of the picture to post' });
  const remove = h('button', { class: 'btn btn-small preview-remove', type: 'button', 'aria-label': 'Remove the picture' }, icon('close'), 'Remove');
  const preview = h('div', { class: 'preview', hidden: true }, h('div', { class: 'preview-box' }, previewImg), remove);
  const submit = h('button', { class: 'btn btn-primary', type: 'submit' }, 'Post');

  let imageUrl = null;
  let upload = null; // the AbortController of the upload in flight

  const showError = (el, message) => {
    el.textContent = message;
    el.hidden = !message;
  };
  const paintCounter = () => {
    const n = length(text.value);
    counter.textContent = `${n} / ${MAX}`;
    counter.classList.toggle('counter-over', n > MAX);
    if (n <= MAX && text.getAttribute('aria-invalid')) {
      text.removeAttribute('aria-invalid');
      showError(textError, '');
    }
  };
  const clearImage = () => {
    upload?.abort();
    upload = null;
    imageUrl = null;
    file.value = '';
    preview.hidden = true;
    progress.hidden = true;
    previewImg.removeAttribute('src');
    submit.disabled = false;
  };

  text.addEventListener('input', paintCounter);
  remove.addEventListener('click', () => { clearImage(); file.focus(); });
  file.addEventListener('change', async () => {
    const chosen = file.files[0];
    clearImage();
    showError(imageError, '');
    if (!chosen) return;
    upload = new AbortController();
    const mine = upload;
    progress.value = 0;
    progress.hidden = false;
    submit.disabled = true;
    try {
      const result = await uploadImage(chosen, {
        signal: mine.signal,
        onProgress: (f) => { progress.value = Math.round(f * 100); },
      });
      if (mine.signal.aborted) return;
      imageUrl = result.url;
      previewImg.src = result.url;
      preview.hidden = false;
    } catch (e) {
      if (e.name === 'AbortError') return;
      showError(imageError, uploadMessage(e));
      file.value = '';
    } finally {
      if (upload === mine) {
        upload = null;
        progress.hidden = true;
        submit.disabled = false;
      }
    }
  });

  const form = h('form', { class: 'card post-form', novalidate: true },
    h('label', { class: 'post-form-label', for: textId }, `What’s new, ${session.me?.nick ?? ''}?`),
    text, textError,
    preview, progress, imageError,
    h('div', { class: 'post-form-bar' }, file, picker, counter, submit));

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const content = text.value.trim();
    const n = length(content);
    if (n === 0 || n > MAX) {
      text.setAttribute('aria-invalid', 'true');
      showError(textError, n === 0 ? 'Write something first.' : `A post is at most ${MAX} characters; this one has ${n}.`);
      return text.focus();
    }
    busy(submit, 'Posting…', async () => {
      try {
        const { post } = await api.post('/api/posts', imageUrl ? { content, img: imageUrl } : { content });
        text.value = '';
        clearImage();
        paintCounter();
        toast('Posted.');
        onPosted(post);
      } catch (e) {
        if (e.code === 'invalid_img') return showError(imageError, 'That picture can no longer be used. Please add it again.');
        text.setAttribute('aria-invalid', 'true');
        showError(textError, sentence(e.message));
        text.focus();
      }
    });
  });
  return form;
}
