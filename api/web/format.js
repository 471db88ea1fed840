// Money and time for people. Money stays an integer count of cents
// everywhere (as in the API): it is formatted and parsed with integer and
// string operations, never through a floating-point amount.

const SYMBOLS = {USD: '$', EUR: '€', GBP: '£'};

// The shop sells in one currency (the engine's --currency). The pages learn
// it from the first answer that names it (api.js) and price everything in it.
let shopCurrency = 'USD';
export function setShopCurrency(code) {
  if (typeof code === 'string' && /^[A-Z]{3}$/.test(code)) shopCurrency = code;
}

export function money(cents, currency = shopCurrency) {
  if (!Number.isInteger(cents)) return '—';
  const negative = cents < 0;
  const abs = Math.abs(cents);
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const frac = String(abs % 100).padStart(2, '0');
  const symbol = SYMBOLS[currency];
  const amount = symbol ? `${symbol}${whole}.${frac}` : `${whole}.${frac} ${currency}`;
  return negative ? `−${amount}` : amount;
}

// "12", "12.5" or "12.50" (dollars) → 1250 cents; null when it is not an amount.
export function parseMoney(text) {
  const m = /^\s*(\d{1,9})(?:[.,](\d{1,2}))?\s*$/.exec(String(text));
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0'));
}

// Cents → the text a price field shows ("12.50").
export function moneyInput(cents) {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

export function dateTime(rfc3339) {
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return String(rfc3339 || '');
  return d.toLocaleString(undefined, {year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit'});
}

export function time(rfc3339) {
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return String(rfc3339 || '');
  return d.toLocaleTimeString(undefined, {hour: '2-digit', minute: '2-digit', second: '2-digit'});
}

// "2026-11-21" → "Nov 21".
export function shortDate(isoDate) {
  const d = new Date(`${isoDate}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return String(isoDate);
  return d.toLocaleDateString(undefined, {month: 'short', day: 'numeric', timeZone: 'UTC'});
}

export function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}
