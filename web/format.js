// Turning data into readable text: times, counts, and post text whose
// #hashtags become links. Text is only ever inserted as Text nodes.

import { h } from './dom.js';

const MINUTE = 60, HOUR = 3600, DAY = 86400;
const dateFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const yearFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

// "now", "5m", "3h", "2d", "Mar 4", "Mar 4, 2024"
export function shortTime(iso) {
  const date = new Date(iso);
  const seconds = Math.max(0, (Date.now() - date.getTime()) / 1000);
  if (seconds < MINUTE) return 'now';
  if (seconds < HOUR) return `${Math.floor(seconds / MINUTE)}m`;
  if (seconds < DAY) return `${Math.floor(seconds / HOUR)}h`;
  if (seconds < 7 * DAY) return `${Math.floor(seconds / DAY)}d`;
  const sameYear = date.getFullYear() === new Date().getFullYear();
  return (sameYear ? dateFormat : yearFormat).format(date);
}

export function timeElement(iso) {
  const date = new Date(iso);
  return h('time', { datetime: iso, title: fullFormat.format(date) }, shortTime(iso));
}

// plural(3, 'follower') → "3 followers"
export function plural(n, word, many = `${word}s`) {
  return `${n.toLocaleString()} ${n === 1 ? word : many}`;
}

export function hashtagHref(tag) {
  return `/hashtag?hashtag=${encodeURIComponent(tag.toLowerCase())}`;
}

// NodeBird's rule, as the server applies it: '#' then one or more characters
// that are neither whitespace nor '#'.
const HASHTAG = /#[^\s#]+/gu;

// The post's text as nodes: plain runs as Text, each #tag as a link.
export function richText(content) {
  const nodes = [];
  let last = 0;
  for (const m of content.matchAll(HASHTAG)) {
    if (m.index > last) nodes.push(document.createTextNode(content.slice(last, m.index)));
    nodes.push(h('a', { class: 'hashtag', href: hashtagHref(m[0].slice(1)) }, m[0]));
    last = m.index + m[0].length;
  }
  if (last < content.length) nodes.push(document.createTextNode(content.slice(last)));
  return nodes;
}

// Characters as the server counts them (code points), for the 140 limit.
export function length(text) {
  return [...text].length;
}

// 200000 → "195 KB"
export function bytes(n) {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

// The server's messages are lower-case phrases ("nick must be 1 to 15
// characters"): as a sentence for the page.
export function sentence(message) {
  const text = String(message ?? '').trim();
  if (!text) return '';
  return text.charAt(0).toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? '' : '.');
}
