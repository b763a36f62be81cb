// The run page's live transcript: entries arrive over Server-Sent Events and are built with
// textContent only (agent output never becomes markup). Served by the app (no inline script).
'use strict';

const FOLD_CHARS = 600;
const list = document.getElementById('transcript');
const status = document.getElementById('live-status');

function offset(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const pad = (n) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  return h > 0 ? `${h}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}` : `${Math.floor(s / 60)}:${pad(s % 60)}`;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function textBlock(text) {
  if (text.length <= FOLD_CHARS) return el('p', 'text', text);
  const details = el('details', 'more');
  const summary = el('summary');
  summary.append(el('span', 'text', `${text.slice(0, FOLD_CHARS)}…`), ' ', el('span', 'show', 'show more'));
  details.append(summary, el('p', 'text', text));
  return details;
}

function detailLabel(entry) {
  const size = `${new TextEncoder().encode(entry.detail).length.toLocaleString('en-US')} bytes`;
  const what = entry.kind === 'tool' ? 'input' : entry.kind === 'result' ? 'final answer' : 'output';
  return `${what} (${size})`;
}

function entryNode(entry, startedAt) {
  const li = el('li', `entry kind-${entry.kind}`);
  li.dataset.seq = String(entry.seq);
  const body = el('div', 'body');
  body.append(textBlock(entry.text));
  if (typeof entry.detail === 'string') {
    const details = el('details', 'detail');
    details.append(el('summary', undefined, detailLabel(entry)), el('pre', undefined, entry.detail));
    body.append(details);
  }
  li.append(el('time', undefined, offset(entry.at - startedAt)), el('span', 'kind', entry.kind), body);
  return li;
}

if (list && list.dataset.events) {
  const startedAt = Number(list.dataset.started);
  const source = new EventSource(list.dataset.events);
  source.addEventListener('entry', (event) => {
    const entry = JSON.parse(event.data);
    if (list.querySelector(`[data-seq="${entry.seq}"]`)) return;
    list.append(entryNode(entry, startedAt));
    document.querySelector('.empty-transcript')?.remove();
  });
  source.addEventListener('end', () => {
    source.close();
    if (status) {
      status.textContent = 'The run ended: reload for its outcome.';
      status.classList.add('ended');
    }
  });
}
