// The pieces every payment page shares (storefront, account, dashboard):
// the methods a customer may choose, where a payment that needs an action
// sends the browser, and the tables of a payment's attempts, refunds,
// disputes and webhook deliveries (GET /api/payments/{id}).
import {h, statusBadge, shortId} from './dom.js';
import {money, dateTime} from './format.js';

// [value, label, hint]: the engine's test methods (docs/design/payments.md).
export const METHODS = [
  ['pm_card_ok', 'Test card that succeeds', '4242 4242 4242 4242'],
  ['pm_card_declined', 'Test card that is declined', '4000 0000 0000 0002'],
  ['pm_card_3ds', 'Test card with 3-D Secure', '4000 0027 6000 3184'],
  ['cash_on_delivery', 'Cash on delivery', 'pay when it arrives'],
];

const METHOD_NAMES = Object.fromEntries(METHODS.map(([v, label]) => [v, label]));
export function methodName(method) {
  return METHOD_NAMES[method] || method || '—';
}

// Where a requires_action payment sends the browser: the URL the engine
// gave (its own /pay/3ds page, or the provider's), only if it is http(s)
// or this origin's path; inline mode's page when the answer names none.
export function actionUrl(payment) {
  const raw = payment.next_action_url || `/pay/3ds?payment_id=${encodeURIComponent(payment.id)}`;
  try {
    const url = new URL(raw, location.origin);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : '';
  } catch {
    return '';
  }
}

// What may still be refunded: captured minus refunded minus refunds still
// pending at the provider (the server decides; this is the form's default).
export function refundable(p) {
  if (!['succeeded', 'partially_refunded'].includes(p.status)) return 0;
  return Math.max(0, p.amount_cents - (p.refunded_cents || 0) - (p.pending_refund_cents || 0));
}

// The moment a row names: refunds finish (or were asked), the rest happened.
const when = (x) => x.finished_at || x.requested_at || x.created_at || x.received_at || x.at || x.time || '';

function table(caption, head, rows, numeric = []) {
  return h('div', {class: 'table-scroll'}, h('table', {class: 'table'},
    h('caption', {class: 'sr-only'}, caption),
    h('thead', {}, h('tr', {}, head.map((t, i) => h('th', {scope: 'col', class: numeric.includes(i) ? 'num' : ''}, t)))),
    h('tbody', {}, rows)));
}

// A refund's own words: "succeeded" means the money went back.
const REFUND_STATUS = {pending: 'At the provider', succeeded: 'Refunded', failed: 'Failed'};
// Why money went back (PaymentRefunded.reason), in words.
const REFUND_REASON = {
  admin: 'by the shop', order_cancelled: 'order cancelled', provider: 'at the provider',
  order_not_payable: 'paid after the order was closed or paid',
};

export function refundsTable(refunds) {
  return table('Refunds', ['Refund', 'Amount', 'Reason', 'Status', 'When'],
    refunds.map((r) => h('tr', {class: 'refund-row', dataset: {refundId: r.id || ''}},
      h('td', {}, h('code', {title: r.id || ''}, shortId(r.id || ''))),
      h('td', {class: 'num'}, money(r.amount_cents)),
      h('td', {}, REFUND_REASON[r.reason] || String(r.reason || '').replaceAll('_', ' ')),
      h('td', {}, h('span', {class: `badge badge-${r.status}`, dataset: {status: r.status}}, REFUND_STATUS[r.status] || r.status)),
      h('td', {}, when(r) ? dateTime(when(r)) : '—'))), [1]);
}

export function attemptsTable(attempts) {
  return table('Attempts', ['#', 'Method', 'Outcome', 'When'],
    attempts.map((a, i) => h('tr', {},
      h('td', {}, String(a.attempt || i + 1)),
      h('td', {}, methodName(a.payment_method || a.method)),
      h('td', {}, statusBadge(a.outcome || a.status || 'processing')),
      h('td', {}, when(a) ? dateTime(when(a)) : '—'))));
}

export function disputesBox(disputes) {
  return h('div', {class: 'dispute-alert', role: 'note'},
    h('h3', {}, disputes.length === 1 ? 'Disputed by the customer’s bank' : `${disputes.length} disputes`),
    h('ul', {}, disputes.map((d) => h('li', {},
      h('strong', {}, money(d.amount_cents)), ` · ${String(d.reason || 'no reason given').replaceAll('_', ' ')}`,
      d.dispute_id || d.id ? h('code', {class: 'muted'}, ` ${d.dispute_id || d.id}`) : null,
      when(d) ? ` · ${dateTime(when(d))}` : null))));
}

export function webhooksTable(webhooks) {
  return table('Webhook deliveries', ['Provider event', 'Type', 'Outcome', 'Detail', 'Received'],
    webhooks.map((w) => h('tr', {class: 'webhook-row', dataset: {outcome: w.outcome || ''}},
      h('td', {}, h('code', {}, w.provider_event_id || w.id || '')),
      h('td', {}, w.type || w.event_type || ''),
      h('td', {}, h('span', {class: `badge badge-webhook-${w.outcome}`}, w.outcome || '')),
      h('td', {}, w.detail || '—'),
      h('td', {}, when(w) ? dateTime(when(w)) : '—'))));
}
