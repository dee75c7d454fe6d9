// Small helpers for building the page without HTML strings: every piece of
// text becomes a Text node, so user data can never turn into markup.

// h('a', {href: '/x', class: 'link', onclick: fn}, 'text', childNode, [more])
// Attributes are set with setAttribute (true → present, false/null → absent);
// on* keys add event listeners. Children may be strings, nodes, arrays or
// null (skipped).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value == null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'class') {
      el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent, children) {
  for (const child of [children].flat(Infinity)) {
    if (child == null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

// A unique id for label/aria wiring.
let counter = 0;
export function uid(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

// A labelled form field with a slot for its error message beside it.
// Returns {wrap, input, showError(message), clearError()}.
export function field({ label, name, type = 'text', hint, ...attrs }) {
  const id = uid(name);
  const errorId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : null;
  const input = h('input', { id, name, type, ...attrs });
  const error = h('p', { class: 'field-error', id: errorId, hidden: true });
  input.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '));
  const wrap = h('div', { class: 'field' },
    h('label', { for: id }, label),
    input,
    hint ? h('p', { class: 'field-hint', id: hintId }, hint) : null,
    error);
  return {
    wrap,
    input,
    showError(message) {
      error.textContent = message;
      error.hidden = false;
      input.setAttribute('aria-invalid', 'true');
    },
    clearError() {
      error.textContent = '';
      error.hidden = true;
      input.removeAttribute('aria-invalid');
    },
  };
}

// A button that shows it is busy while an async action runs, and cannot be
// pressed twice meanwhile.
export async function busy(button, label, action) {
  const before = button.textContent;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  if (label) button.textContent = label;
  try {
    return await action();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    if (label) button.textContent = before;
  }
}

// The polite live region: short confirmations ("Posted", "Copied").
let toastTimer = 0;
export function toast(message, { error = false } = {}) {
  const el = document.querySelector('.toast');
  if (!el) return;
  el.textContent = message;
  el.classList.toggle('toast-error', error);
  el.classList.add('toast-visible');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove('toast-visible'), 3500);
}

// A clear message in place of content: empty lists, errors, "not found".
export function notice(title, body, ...actions) {
  return h('div', { class: 'notice' },
    h('p', { class: 'notice-title' }, title),
    body ? h('p', { class: 'notice-body' }, body) : null,
    actions.length ? h('p', { class: 'notice-actions' }, actions) : null);
}

export function spinner(label = 'Loading…') {
  return h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), label);
}
