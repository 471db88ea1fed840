// Calling the public API: JSON in and out, the access token in the
// Authorization header (never in a URL), one refresh attempt on a 401, and
// every problem+json answer turned into an error with a message in plain words.
import {accessToken, refreshSession, endSession} from './session.js';
import {setShopCurrency} from './format.js';

// Answers that carry the shop's currency: a cart, a product, an order, a page of them.
function noteCurrency(data) {
  if (!data || typeof data !== 'object') return;
  const first = Array.isArray(data.items) ? data.items[0] : null;
  for (const c of [data.currency, data.product && data.product.currency, data.order && data.order.currency, first && first.currency]) {
    if (c) return setShopCurrency(c);
  }
}

export class ApiError extends Error {
  constructor(status, problem, message) {
    super(message);
    this.status = status;
    this.code = problem && problem.code ? problem.code : '';
    this.problem = problem || {};
    // [{field, message}] from the problem's `errors`.
    this.fieldErrors = Array.isArray(this.problem.errors) ? this.problem.errors : [];
    this.fields = this.fieldErrors.map((e) => `${fieldName(e.field)}: ${e.message}`);
  }
}

const FIELD_NAMES = {
  username: 'Username', email: 'Email', password: 'Password', price_cents: 'Price', stock: 'Stock',
  name: 'Name', category: 'Category', description: 'Description', quantity: 'Quantity', sku: 'SKU',
  delta: 'Stock change', status: 'Status', cart: 'Cart', payment_method: 'Payment method',
  min_price_cents: 'Lowest price', max_price_cents: 'Highest price', q: 'Search',
  image: 'Image', alt: 'Alt text', position: 'Position', slug: 'Slug',
};

function fieldName(field) {
  return FIELD_NAMES[field] || String(field || '').replaceAll('_', ' ');
}

// What a person should read for an answer the API refused.
const BY_CODE = {
  unauthorized: 'Please log in to continue.',
  forbidden: 'Your account is not allowed to do that.',
  not_found: 'That could not be found. It may have been removed.',
  version_conflict: 'Someone else changed this at the same time. Reload and try again.',
  insufficient_stock: 'There is not enough stock for your order; nothing was reserved.',
  invalid_transition: 'That is not possible for the order in its current state.',
  already_exists: 'That already exists.',
  payload_too_large: 'That is too large to send.',
  unsupported_media_type: 'That kind of file is not accepted here.',
  unavailable: 'Part of the shop is unavailable right now. Try again in a moment.',
  category_in_use: 'Products are still in this category; move them to another one first.',
  rate_limited: 'Too many requests right now. Wait a moment and try again.',
  overloaded: 'The shop is very busy right now. Try again in a few seconds.',
  projection_lagging: 'The shop is catching up with recent changes. Try again in a moment.',
  malformed_json: 'The page sent something the shop could not read. Reload and try again.',
  validation_failed: 'Some of the details are not valid.',
};

function sentence(text) {
  const t = String(text || '').trim();
  if (!t) return '';
  const first = t[0].toUpperCase() + t.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

export function plainMessage(status, problem) {
  const code = problem && problem.code;
  // The engine's detail is written for people; a login refusal says what
  // went wrong ("wrong email, username or password"), so it is shown as is.
  if (code === 'insufficient_stock') return BY_CODE.insufficient_stock;
  if (problem && problem.detail && code !== 'malformed_json') return sentence(problem.detail);
  if (code && BY_CODE[code]) return BY_CODE[code];
  if (status >= 500) return 'The shop had a problem answering. Try again in a moment.';
  return `The request was refused (${status}).`;
}

// request('GET', '/api/products?q=mug') → the parsed JSON body (null for 204).
// Options: body (sent as JSON), auth (default: when logged in), headers.
export async function request(method, path, {body, auth = true, headers = {}} = {}) {
  const send = async () => {
    const h = {Accept: 'application/json', ...headers};
    if (body !== undefined) h['Content-Type'] = 'application/json';
    const token = auth ? accessToken() : null;
    if (token) h.Authorization = `Bearer ${token}`;
    try {
      return await fetch(path, {method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store'});
    } catch {
      throw new ApiError(0, null, 'Cannot reach the shop. Check your connection and try again.');
    }
  };
  let res = await send();
  // An expired or revoked access token: one refresh, then once more; a
  // refresh that fails ends the session (the user logs in again).
  if (res.status === 401 && auth && accessToken()) {
    if (await refreshSession()) res = await send();
    else endSession('Your session has ended. Please log in again.');
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    if (res.status === 401 && auth && accessToken()) endSession('Your session has ended. Please log in again.');
    throw new ApiError(res.status, data, plainMessage(res.status, data));
  }
  noteCurrency(data);
  return data;
}

export const get = (path, opts) => request('GET', path, opts);
export const post = (path, body, opts) => request('POST', path, {...opts, body});
export const put = (path, body, opts) => request('PUT', path, {...opts, body});
export const patch = (path, body, opts) => request('PATCH', path, {...opts, body});
export const del = (path, opts) => request('DELETE', path, opts);

// A fresh Idempotency-Key. crypto.randomUUID exists only in secure
// contexts (https or localhost); getRandomValues exists everywhere.
export function idempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// A query string from an object, leaving out empty values.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
