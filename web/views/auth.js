// Joining and logging in. Each error the server names is shown next to the
// field it is about (handlers/auth.cpp: invalid_email and email_taken are the
// email's, invalid_nick the nick's, invalid_password the password's); the
// rest (wrong credentials, too many attempts) above the button.

import { api } from '../api.js';
import { busy, field, h } from '../dom.js';
import { navigate } from '../router.js';
import { logIn, session } from '../session.js';

const FIELD_OF = {
  invalid_email: 'email',
  email_taken: 'email',
  invalid_nick: 'nick',
  invalid_password: 'password',
};

const MESSAGES = {
  invalid_email: 'Enter a valid email address, like name@example.com.',
  email_taken: 'An account with this email already exists. Log in instead?',
  invalid_nick: 'Choose a nickname of 1 to 15 characters.',
  invalid_password: 'Use 8 to 128 characters.',
  invalid_credentials: 'Wrong email or password.',
  too_many_attempts: 'Too many failed attempts. Wait a few minutes and try again.',
  too_many_joins: 'Too many accounts were created from your network. Try again later.',
};

// Where to go after signing in: ?next= when it is a path of ours.
function nextPath(query) {
  const next = query.get('next') ?? '/';
  return next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

function authPage(title, lead, form, footer) {
  return h('section', { class: 'card auth' },
    h('h1', {}, title), h('p', { class: 'muted' }, lead), form, h('p', { class: 'auth-footer' }, footer));
}

// fields: {name: field()}; check() → {name: message} for what the browser can tell.
function wire(form, fields, formError, submit, busyLabel, check, send) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    Object.values(fields).forEach((f) => f.clearError());
    formError.hidden = true;
    const values = Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.input.value]));
    const problems = Object.entries(check(values));
    if (problems.length) {
      problems.forEach(([name, message]) => fields[name].showError(message));
      fields[problems[0][0]].input.focus();
      return;
    }
    busy(submit, busyLabel, async () => {
      try {
        await send(values);
      } catch (e) {
        const message = MESSAGES[e.code] ?? e.message;
        const target = fields[FIELD_OF[e.code]];
        if (target) {
          target.showError(message);
          target.input.focus();
        } else {
          formError.textContent = message;
          formError.hidden = false;
        }
      }
    });
  });
}

export async function loginView({ query, outlet }) {
  if (session.signedIn) return navigate(nextPath(query), { replace: true });
  document.title = 'Log in — tern';
  const fields = {
    email: field({ label: 'Email', name: 'email', type: 'email', autocomplete: 'email', required: true }),
    password: field({ label: 'Password', name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
  };
  const formError = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const submit = h('button', { class: 'btn btn-primary btn-wide', type: 'submit' }, 'Log in');
  const form = h('form', { class: 'form', novalidate: true },
    fields.email.wrap, fields.password.wrap, formError, submit);
  wire(form, fields, formError, submit, 'Logging in…',
    (v) => ({
      ...(v.email.trim() ? {} : { email: 'Enter your email.' }),
      ...(v.password ? {} : { password: 'Enter your password.' }),
    }),
    async (v) => {
      await logIn(v.email.trim(), v.password);
      navigate(nextPath(query), { replace: true });
    });
  outlet.append(authPage('Log in', 'Welcome back.', form,
    ['New here? ', h('a', { href: '/join' }, 'Create an account')]));
  fields.email.input.focus();
}

export async function joinView({ outlet }) {
  if (session.signedIn) return navigate('/', { replace: true });
  document.title = 'Join — tern';
  const fields = {
    email: field({ label: 'Email', name: 'email', type: 'email', autocomplete: 'email', required: true }),
    nick: field({ label: 'Nickname', name: 'nick', autocomplete: 'nickname', maxlength: 15, required: true,
      hint: 'What others see. Up to 15 characters.' }),
    password: field({ label: 'Password', name: 'password', type: 'password', autocomplete: 'new-password',
      required: true, hint: 'At least 8 characters.' }),
  };
  const formError = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const submit = h('button', { class: 'btn btn-primary btn-wide', type: 'submit' }, 'Create account');
  const form = h('form', { class: 'form', novalidate: true },
    fields.email.wrap, fields.nick.wrap, fields.password.wrap, formError, submit);
  wire(form, fields, formError, submit, 'Creating your account…',
    (v) => {
      const problems = {};
      const email = v.email.trim();
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 254) problems.email = MESSAGES.invalid_email;
      const nick = [...v.nick.trim()].length;
      if (nick < 1 || nick > 15) problems.nick = MESSAGES.invalid_nick;
      const password = [...v.password].length;
      if (password < 8 || password > 128) problems.password = MESSAGES.invalid_password;
      return problems;
    },
    async (v) => {
      await api.post('/auth/join', { email: v.email.trim(), nick: v.nick.trim(), password: v.password });
      await logIn(v.email.trim(), v.password); // straight in: no second form to fill
      navigate('/', { replace: true });
    });
  outlet.append(authPage('Join tern', 'It takes a few seconds.', form,
    ['Already have an account? ', h('a', { href: '/login' }, 'Log in')]));
  fields.email.input.focus();
}
