// The developers page: register the domains of sites that call tern's token
// API (POST /api/domains), see each one's client secret and copy it, and
// delete them. Signed out: what the API is, and a way to log in.

import { api } from '../api.js';
import { busy, field, h, notice, spinner, toast, uid } from '../dom.js';
import { sentence } from '../format.js';
import { icon } from '../icons.js';
import { session } from '../session.js';

function intro() {
  const example = [
    'POST /v2/token',
    '{"clientSecret": "<your secret>"}',
    '→ {"code": 200, "token": "<jwt>", …}',
    '',
    'GET /v2/posts/my',
    'Authorization: Bearer <jwt>',
  ].join('\n');
  return h('section', { class: 'card' },
    h('h1', {}, 'Developers'),
    h('p', {}, 'Show tern posts on your own site. Register its domain here to get a client secret; your server trades the secret for a token and calls the API with it. Requests from a registered domain are allowed by CORS.'),
    h('pre', { class: 'code', tabindex: '0', 'aria-label': 'Example requests' }, example));
}

async function copy(text, button, code) {
  try {
    await navigator.clipboard.writeText(text);
    button.lastChild.textContent = 'Copied';
    toast('Client secret copied.');
    setTimeout(() => { button.lastChild.textContent = 'Copy'; }, 2000);
  } catch {
    // No clipboard access: select the secret so Ctrl+C copies it.
    const range = document.createRange();
    range.selectNodeContents(code);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    toast('Press Ctrl+C to copy the selected secret.');
  }
}

function domainItem(domain, onDeleted) {
  const code = h('code', { class: 'secret' }, domain.clientSecret);
  const copyButton = h('button', { class: 'btn btn-small', type: 'button', 'aria-label': `Copy the client secret of ${domain.host}` },
    icon('copy'), h('span', {}, 'Copy'));
  copyButton.addEventListener('click', () => copy(domain.clientSecret, copyButton, code));
  const remove = h('button', { class: 'btn btn-small btn-quiet', type: 'button', 'aria-label': `Delete ${domain.host}` }, icon('trash'), 'Delete');
  const confirmBox = h('span', { class: 'confirm', hidden: true }, h('span', {}, `Delete ${domain.host}?`));
  const yes = h('button', { class: 'btn btn-small btn-danger', type: 'button' }, 'Delete');
  const no = h('button', { class: 'btn btn-small', type: 'button' }, 'Cancel');
  confirmBox.append(yes, no);
  const item = h('li', { class: 'domain' },
    h('div', { class: 'domain-head' },
      h('strong', { class: 'domain-host' }, domain.host),
      h('span', { class: `badge badge-${domain.type}` }, domain.type)),
    h('div', { class: 'domain-secret' }, h('span', { class: 'muted small' }, 'Client secret'), code),
    h('div', { class: 'domain-actions' }, copyButton, remove, confirmBox));
  remove.addEventListener('click', () => { remove.hidden = true; confirmBox.hidden = false; no.focus(); });
  no.addEventListener('click', () => { confirmBox.hidden = true; remove.hidden = false; remove.focus(); });
  yes.addEventListener('click', () => busy(yes, 'Deleting…', async () => {
    try {
      await api.del(`/api/domains/${domain.id}`);
    } catch (e) {
      return toast(e.message, { error: true });
    }
    item.remove();
    toast(`${domain.host} deleted.`);
    onDeleted();
  }));
  return item;
}

function registerForm(onAdded) {
  const host = field({ label: 'Domain', name: 'host', placeholder: 'example.com', autocomplete: 'off',
    hint: 'The host name of your site, with a port if it has one: example.com or localhost:4000.', required: true });
  const typeName = uid('plan');
  const radio = (value, label, description, checked) => {
    const id = `${typeName}-${value}`;
    return h('div', { class: 'radio' },
      h('input', { type: 'radio', id, name: 'type', value, checked }),
      h('label', { for: id }, h('strong', {}, label), h('span', { class: 'muted' }, description)));
  };
  const typeError = h('p', { class: 'field-error', hidden: true });
  const plans = h('fieldset', { class: 'field plans' },
    h('legend', {}, 'Plan'),
    radio('free', 'Free', ' — a modest number of requests per minute', true),
    radio('premium', 'Premium', ' — many more requests per minute', false),
    typeError);
  const formError = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const submit = h('button', { class: 'btn btn-primary', type: 'submit' }, 'Register domain');
  const form = h('form', { class: 'card form', novalidate: true },
    h('h2', {}, 'Register a domain'), host.wrap, plans, formError, submit);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    host.clearError();
    typeError.hidden = true;
    formError.hidden = true;
    const value = host.input.value.trim();
    if (!value) {
      host.showError('Enter the domain of your site.');
      return host.input.focus();
    }
    const type = form.querySelector('input[name="type"]:checked')?.value ?? 'free';
    busy(submit, 'Registering…', async () => {
      try {
        const domain = await api.post('/api/domains', { host: value, type });
        host.input.value = '';
        toast(`${domain.host ?? value} registered.`);
        onAdded(domain.domain ?? domain);
      } catch (e) {
        const message = sentence(e.message);
        if (e.code === 'invalid_host') {
          host.showError(message);
          host.input.focus();
        } else if (e.code === 'invalid_type') {
          typeError.textContent = message;
          typeError.hidden = false;
        } else {
          formError.textContent = message;
          formError.hidden = false;
        }
      }
    });
  });
  return form;
}

export async function developersView({ outlet, signal }) {
  document.title = 'Developers — tern';
  outlet.append(intro());
  if (!session.signedIn) {
    outlet.append(notice('Log in to register a domain', 'Domains and their secrets belong to your account.',
      h('a', { class: 'btn btn-primary', href: '/login?next=/developers' }, 'Log in'),
      h('a', { class: 'btn', href: '/join' }, 'Join')));
    return;
  }
  const list = h('ul', { class: 'domains' });
  const status = h('div', { class: 'list-status' }, spinner('Loading your domains…'));
  const syncEmpty = () => {
    status.replaceChildren(list.children.length ? '' : notice('No domains yet', 'Register one above to get its client secret.'));
  };
  const add = (domain, where = 'end') => {
    const item = domainItem(domain, syncEmpty);
    if (where === 'start') list.prepend(item);
    else list.append(item);
    syncEmpty();
  };
  const form = registerForm((d) => add(d, 'start'));
  outlet.append(form,
    h('section', { class: 'card', 'aria-labelledby': 'domains-title' },
      h('h2', { id: 'domains-title' }, 'Your domains'), list, status));
  try {
    const result = await api.get('/api/domains', { signal });
    const domains = Array.isArray(result) ? result : result.domains ?? [];
    domains.forEach((d) => add(d));
    syncEmpty();
  } catch (e) {
    if (e.name === 'AbortError') return;
    if (e.status === 404) {
      form.hidden = true;
      status.replaceChildren(notice('Not available yet', 'This server does not offer the token API yet.'));
    } else {
      status.replaceChildren(notice('Could not load your domains', e.message));
    }
  }
}
