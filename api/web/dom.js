// Building the page: elements from plain values, never from HTML strings, so
// nothing a user typed (a product name, a search) can become markup.

// h('button', {class: 'btn', onclick: f}, 'Text', child, ...): an element.
// Attributes starting with "on" are listeners; false/null/undefined are left out.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// SVG elements (charts, product tiles).
const SVG = 'http://www.w3.org/2000/svg';
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// The three states every view has besides its content.
export function loading(what = 'Loading…') {
  return h('p', {class: 'state state-loading', role: 'status'}, h('span', {class: 'spinner', 'aria-hidden': 'true'}), what);
}

export function empty(message, ...actions) {
  return h('div', {class: 'state state-empty'}, h('p', {}, message), actions);
}

// An error in plain words, with a way to try again when that makes sense.
export function errorBox(err, retry) {
  return h('div', {class: 'state state-error', role: 'alert'},
    h('p', {}, h('strong', {}, 'Something went wrong. '), err && err.message ? err.message : String(err)),
    retry ? h('button', {class: 'btn', type: 'button', onclick: retry}, 'Try again') : null);
}

// An inline message under a form.
export function formMessage(el, err) {
  clear(el);
  if (!err) return;
  el.append(h('p', {}, err.message || String(err)));
  for (const f of (err.fields || [])) el.append(h('p', {class: 'field-error'}, f));
}

const STATUS_LABELS = {
  pending: 'Pending payment', confirmed: 'Confirmed', shipped: 'Shipped', delivered: 'Delivered',
  cancelled: 'Cancelled', succeeded: 'Paid', failed: 'Failed', requires_confirmation: 'Awaiting payment',
  refunded: 'Refunded', active: 'Active', discontinued: 'Discontinued',
  // Payments (docs/design/payments.md) and their refunds.
  processing: 'Processing', requires_action: 'Needs confirmation', requires_payment_method: 'Declined',
  canceled: 'Canceled', partially_refunded: 'Partly refunded',
};

export function statusLabel(status) {
  return STATUS_LABELS[status] || status;
}

export function statusBadge(status) {
  return h('span', {class: `badge badge-${status}`, dataset: {status}}, statusLabel(status));
}

// Sets a view's title for the tab and screen readers, and moves focus to it
// after a route change so keyboard users start at the new content.
export function heading(text, level = 1) {
  document.title = `${text} · Orderly`;
  return h(`h${level}`, {class: 'view-title', tabindex: '-1'}, text);
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

// A short, readable form of an opaque id (only for display; never parsed).
export function shortId(id) {
  return String(id).slice(-8).toUpperCase();
}

// Calls fn at most once per `ms`, and always once after the last call, so
// a steady stream of triggers still refreshes regularly.
export function throttle(fn, ms) {
  let last = 0;
  let timer = null;
  return (...args) => {
    const wait = last + ms - Date.now();
    clearTimeout(timer);
    if (wait <= 0) {
      last = Date.now();
      fn(...args);
    } else {
      timer = setTimeout(() => { last = Date.now(); fn(...args); }, wait);
    }
  };
}
