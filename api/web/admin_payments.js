// The staff's payments: the list with its filters (status, order, user,
// dates), a payment's page (attempts, refunds with their status, disputes
// highlighted, webhook deliveries with their outcome), a partial refund
// (default: all that is left), "cash collected" for a cash-on-delivery
// payment once its order has shipped, and the webhook deliveries that named
// no known payment. The engine decides; a refusal is shown as it says it.
import {get, post, query} from './api.js';
import {h, append, clear, loading, empty, errorBox, heading, formMessage, statusBadge, shortId, throttle} from './dom.js';
import {money, moneyInput, parseMoney, dateTime} from './format.js';
import {adminTabs, followAllEvents} from './admin_nav.js';
import {pager} from './shop.js';
import {toast} from './toast.js';
import {methodName, refundable, refundsTable, attemptsTable, disputesBox, webhooksTable} from './payment_parts.js';

const PER_PAGE = 20;
const STATUSES = ['', 'requires_confirmation', 'requires_payment_method', 'requires_action', 'processing',
  'succeeded', 'partially_refunded', 'refunded', 'failed', 'canceled'];

// The API's `to` is excluded (midnight UTC of that date); the form's "To"
// day is included, so the query names the day after it.
function dayAfter(date) {
  const d = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return date;
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

const isDisputed = (p) => Boolean(p.disputed || (p.disputes && p.disputes.length));

function row(p) {
  return h('tr', {dataset: {paymentId: p.id}, class: isDisputed(p) ? 'disputed' : false},
    h('th', {scope: 'row'}, h('a', {href: `#/admin/payments/${encodeURIComponent(p.id)}`, 'aria-label': `Payment ${shortId(p.id)}`}, `#${shortId(p.id)}`)),
    h('td', {}, h('a', {href: `#/admin/payments${query({order_id: p.order_id})}`, title: p.order_id}, `#${shortId(p.order_id)}`)),
    h('td', {}, p.user_id ? h('a', {href: `#/admin/users/${encodeURIComponent(p.user_id)}`, title: p.user_id}, shortId(p.user_id)) : '—'),
    h('td', {}, methodName(p.payment_method)),
    h('td', {class: 'num'}, money(p.amount_cents)),
    h('td', {class: 'num'}, p.refunded_cents ? money(p.refunded_cents) : '—'),
    h('td', {}, statusBadge(p.status), isDisputed(p) ? h('span', {class: 'pill badge-disputed'}, 'Disputed') : null),
    h('td', {}, dateTime(p.created_at)));
}

// #/admin/payments?status=&order_id=&user_id=&from=&to=&page=
export async function adminPaymentsView(main, {query: params}) {
  const state = {status: params.get('status') || '', order_id: params.get('order_id') || '', user_id: params.get('user_id') || '',
    from: params.get('from') || '', to: params.get('to') || '', page: Math.max(1, Number.parseInt(params.get('page') || '1', 10) || 1)};
  const status = h('select', {id: 'p-status', name: 'status'}, STATUSES.map((v) => h('option', {value: v, selected: v === state.status}, v ? statusBadge(v).textContent : 'Any status')));
  const order = h('input', {id: 'p-order', name: 'order_id', value: state.order_id, autocomplete: 'off', placeholder: 'Order id'});
  const user = h('input', {id: 'p-user', name: 'user_id', value: state.user_id, autocomplete: 'off', placeholder: 'User id'});
  const from = h('input', {id: 'p-from', name: 'from', type: 'date', value: state.from});
  const to = h('input', {id: 'p-to', name: 'to', type: 'date', value: state.to});
  const changed = () => {
    Object.assign(state, {status: status.value, order_id: order.value.trim(), user_id: user.value.trim(), from: from.value, to: to.value, page: 1});
    load();
  };
  const form = h('form', {class: 'filters', role: 'search', onsubmit: (e) => { e.preventDefault(); changed(); }},
    h('div', {class: 'field'}, h('label', {for: 'p-status'}, 'Status'), status),
    h('div', {class: 'field grow'}, h('label', {for: 'p-order'}, 'Order'), order),
    h('div', {class: 'field grow'}, h('label', {for: 'p-user'}, 'Customer'), user),
    h('div', {class: 'field'}, h('label', {for: 'p-from'}, 'From'), from),
    h('div', {class: 'field'}, h('label', {for: 'p-to'}, 'To (included)'), to),
    h('div', {class: 'field'}, h('span', {class: 'label-spacer', 'aria-hidden': 'true'}, ' '), h('button', {class: 'btn', type: 'submit'}, 'Filter')));
  for (const el of [status, from, to]) el.addEventListener('change', changed);
  const list = h('section', {'aria-label': 'Payments'});
  clear(main).append(heading('Payments'), adminTabs('/admin/payments'),
    h('p', {}, h('a', {href: '#/admin/payments/webhooks'}, 'Webhook deliveries for unknown payments')), form, list);
  let first = true;
  const load = async () => {
    history.replaceState(null, '', `#/admin/payments${query({...state, page: state.page > 1 ? state.page : ''})}`);
    if (first) clear(list).append(loading('Loading payments…'));
    try {
      const answer = await get(`/api/payments${query({...state, to: state.to ? dayAfter(state.to) : '', per_page: PER_PAGE})}`);
      clear(list);
      if (!answer.items.length) {
        list.append(empty('No payment matches.'));
        return;
      }
      list.append(h('p', {class: 'muted', role: 'status'}, `${answer.total} ${answer.total === 1 ? 'payment' : 'payments'}`),
        h('div', {class: 'card table-scroll'}, h('table', {class: 'table'},
          h('caption', {class: 'sr-only'}, 'Payments, newest first'),
          h('thead', {}, h('tr', {}, ['Payment', 'Order', 'Customer', 'Method', 'Amount', 'Refunded', 'Status', 'Created'].map((t, i) => h('th', {scope: 'col', class: i === 4 || i === 5 ? 'num' : ''}, t)))),
          h('tbody', {}, answer.items.map(row)))));
      const pages = Math.ceil(answer.total / PER_PAGE);
      if (pages > 1) list.append(pager(state.page, pages, (n) => { state.page = n; load(); }));
    } catch (err) {
      if (first) clear(list).append(errorBox(err, load));
      else toast(err.message, {kind: 'error', title: 'Could not refresh the payments'});
    }
    first = false;
  };
  await load();
  const reload = throttle(load, 1000);
  return followAllEvents((msg) => {
    if (/^payment\./.test(String(msg.type))) reload();
  });
}

// The refund form: an amount (default all that is left), sent as
// amount_cents; the engine's refusal (too much, nothing captured) is shown.
// The page redraws itself when the payment moves (live events): what the
// admin typed, and the refusal it got, are kept through a redraw while
// the amount left is the same (`kept`, reported through `keep`), so that a
// refresh never swaps the typed amount for the default under the button.
function refundForm(p, done, kept, keep) {
  const left = refundable(p);
  const mine = kept && kept.left === left ? kept : null;
  const message = h('div', {class: 'form-message', role: 'alert', tabindex: '-1'});
  const amount = h('input', {id: 'refund-amount', name: 'amount', inputmode: 'decimal', value: mine ? mine.value : moneyInput(left), autocomplete: 'off', 'aria-describedby': 'refund-help'});
  if (mine && mine.shown) formMessage(message, mine.shown);
  amount.addEventListener('input', () => keep({left, value: amount.value, shown: null}));
  const send = h('button', {class: 'btn btn-danger', type: 'submit'}, 'Refund');
  const form = h('form', {class: 'refund-form', novalidate: true},
    h('div', {class: 'field'}, h('label', {for: 'refund-amount'}, 'Amount to refund'), amount),
    send,
    h('small', {id: 'refund-help', class: 'muted block'}, `Up to ${money(left)} is left to refund.`));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const cents = parseMoney(amount.value);
    if (cents === null || cents <= 0) {
      formMessage(message, {message: 'Enter an amount such as 12.50.'});
      return message.focus();
    }
    if (!window.confirm(`Refund ${money(cents)} to the customer?`)) return undefined;
    send.disabled = true;
    formMessage(message, null);
    try {
      await post(`/api/payments/${encodeURIComponent(p.id)}/refund`, {amount_cents: cents});
      toast(`Refund of ${money(cents)} for payment #${shortId(p.id)} recorded.`, {kind: 'success'});
      done();
    } catch (err) {
      // The engine names the limit on the field; said once, in its words.
      const onAmount = err.fieldErrors.find((f) => f.field === 'amount_cents');
      const shown = onAmount ? {message: `The amount ${onAmount.message}.`} : err;
      formMessage(message, shown);
      keep({left, value: amount.value, shown: {message: shown.message, fields: shown.fields}});
      message.focus();
      send.disabled = false;
    }
    return undefined;
  });
  return h('div', {}, form, message);
}

// "Cash collected": a cash-on-delivery payment still processing, once its
// order has left (shipped or delivered); the engine refuses it earlier.
function cashCollected(p, order, done) {
  const gone = order && (order.status === 'shipped' || order.status === 'delivered');
  const button = h('button', {class: 'btn btn-primary', type: 'button', disabled: !gone}, 'Cash collected');
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await post(`/api/payments/${encodeURIComponent(p.id)}/capture`, undefined);
      toast(`Cash of ${money(p.amount_cents)} recorded for order #${shortId(p.order_id)}.`, {kind: 'success'});
      done();
    } catch (err) {
      toast(err.message, {kind: 'error', title: 'Cash collected'});
      button.disabled = false;
    }
  });
  return h('div', {class: 'form-actions'}, button,
    gone ? null : h('small', {class: 'muted'}, 'Once the order has shipped.'));
}

function section(title, ...content) {
  return h('section', {class: 'card payment-section', 'aria-label': title}, h('h2', {}, title), ...content);
}

// #/admin/payments/<id>
export async function adminPaymentView(main, {params}) {
  const body = h('section', {'aria-label': 'Payment'});
  clear(main).append(heading(`Payment #${shortId(params.id)}`), adminTabs('/admin/payments'), body);
  let typed = null;  // the refund amount the admin typed (refundForm), until a refund is made
  const refunded = () => { typed = null; return load(); };
  const load = async () => {
    try {
      const p = (await get(`/api/payments/${encodeURIComponent(params.id)}`)).payment;
      const order = await get(`/api/orders/${encodeURIComponent(p.order_id)}`).then((a) => a.order, () => null);
      const disputes = p.disputes || [];
      const refunds = p.refunds || [];
      const cod = p.payment_method === 'cash_on_delivery' && p.status === 'processing';
      const userId = p.user_id || (order && order.user_id);
      append(clear(body), [
        disputes.length ? disputesBox(disputes) : null,
        h('div', {class: 'payment-detail'},
          section('Payment',
            h('p', {}, statusBadge(p.status), ' ', h('strong', {}, money(p.amount_cents)), ` · ${methodName(p.payment_method)}`),
            h('dl', {class: 'facts'},
              h('dt', {}, 'Order'), h('dd', {}, h('a', {href: `#/admin/audit?stream=order-${p.order_id}`}, `#${shortId(p.order_id)}`),
                order ? [' ', statusBadge(order.status), order.disputed ? h('span', {class: 'pill badge-disputed'}, 'Disputed') : null] : null),
              h('dt', {}, 'Customer'), h('dd', {}, userId ? h('a', {href: `#/admin/users/${encodeURIComponent(userId)}`}, shortId(userId)) : '—'),
              h('dt', {}, 'Refunded'), h('dd', {}, money(p.refunded_cents || 0)),
              p.pending_refund_cents ? [h('dt', {}, 'Refund pending'), h('dd', {}, money(p.pending_refund_cents))] : null,
              p.failure_reason ? [h('dt', {}, 'Failure'), h('dd', {}, p.failure_reason)] : null,
              h('dt', {}, 'Created'), h('dd', {}, dateTime(p.created_at)),
              h('dt', {}, 'Updated'), h('dd', {}, dateTime(p.updated_at))),
            h('p', {}, h('a', {class: 'btn btn-ghost btn-sm', href: `#/admin/audit?stream=payment-${p.id}`}, 'Audit trail'))),
          section('Money',
            cod ? cashCollected(p, order, load) : null,
            refundable(p) > 0 ? refundForm(p, refunded, typed, (t) => { typed = t; }) : (cod ? null : h('p', {class: 'muted'}, 'Nothing to refund.'))),
          section('Refunds', refunds.length ? refundsTable(refunds) : h('p', {class: 'muted'}, 'No refunds.')),
          section('Attempts', p.attempts && p.attempts.length ? attemptsTable(p.attempts) : h('p', {class: 'muted'}, 'No attempt recorded.')),
          h('div', {class: 'wide'}, section('Webhook deliveries', p.webhooks && p.webhooks.length ? webhooksTable(p.webhooks) : h('p', {class: 'muted'}, 'None: the engine decided this payment itself.'))))]);
    } catch (err) {
      clear(body).append(errorBox(err, load));
    }
  };
  clear(body).append(loading('Loading the payment…'));
  await load();
  const reload = throttle(load, 1000);
  return followAllEvents((msg) => {
    if (msg.payment_id === params.id || (msg.type && msg.type.startsWith('order.'))) reload();
  });
}

// #/admin/payments/webhooks: deliveries that named a payment the engine
// does not know (recorded on webhook-<id> streams), for the operator.
export async function adminPaymentWebhooksView(main, {query: params}) {
  const page = Math.max(1, Number.parseInt(params.get('page') || '1', 10) || 1);
  const list = h('section', {'aria-label': 'Unknown-payment deliveries'});
  clear(main).append(heading('Webhooks for unknown payments'), adminTabs('/admin/payments'),
    h('p', {class: 'lead'}, 'The provider called about payments this shop does not know. Each was answered 404 and recorded here.'),
    list);
  const load = async () => {
    clear(list).append(loading('Loading deliveries…'));
    try {
      const answer = await get(`/api/admin/payments/webhooks${query({page, per_page: PER_PAGE})}`);
      clear(list);
      if (!answer.items.length) {
        list.append(empty('No delivery named an unknown payment.'));
        return;
      }
      list.append(h('div', {class: 'card'}, webhooksTable(answer.items.map((w) => ({...w, detail: w.detail || `payment ${w.payment_id || '?'}`})))));
      const pages = Math.ceil(answer.total / PER_PAGE);
      if (pages > 1) list.append(pager(page, pages, (n) => { location.hash = `#/admin/payments/webhooks?page=${n}`; }));
    } catch (err) {
      clear(list).append(errorBox(err, load));
    }
  };
  await load();
}
