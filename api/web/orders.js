// The customer's orders, newest first: status badges that change live
// (from the WebSocket feed), lines that expand, payment of pending orders
// (again after a failed one), cancellation while the engine allows it
// (pending or confirmed), and on an order's own page its payments with
// their refunds.
import {get, post, query} from './api.js';
import {h, clear, loading, empty, errorBox, heading, statusBadge, statusLabel as statusLabelOf, shortId} from './dom.js';
import {money, dateTime, plural} from './format.js';
import {pager} from './shop.js';
import {go} from './router.js';
import {toast} from './toast.js';
import {addressText} from './profile.js';
import {methodName, refundsTable} from './payment_parts.js';

const FILTERS = [['', 'All'], ['pending', 'Pending'], ['confirmed', 'Confirmed'], ['shipped', 'Shipped'], ['delivered', 'Delivered'], ['cancelled', 'Cancelled']];
const PER_PAGE = 10;

// The order's payment, as the orders read model sums it up (payment_status,
// disputed); cash on delivery says when it is paid.
function paymentLine(order) {
  const ps = order.payment_status;
  if (!ps && !order.disputed) return null;
  const cod = ps === 'processing' && order.status !== 'pending';
  return h('p', {class: 'order-payment'}, h('strong', {}, 'Payment: '),
    ps ? h('span', {class: `pill badge-${ps}`, dataset: {paymentStatus: ps}}, cod ? 'Pay when it arrives' : statusLabelOf(ps)) : null,
    order.disputed ? h('span', {class: 'pill badge-disputed'}, 'Disputed') : null,
    ps === 'failed' || ps === 'requires_payment_method' ? h('span', {class: 'muted'}, ' Nothing was charged.') : null);
}

function orderCard(order, {expanded = false, onChanged}) {
  const linesId = `lines-${order.id}`;
  const toggle = h('button', {class: 'btn btn-ghost btn-sm', type: 'button', 'aria-expanded': String(expanded), 'aria-controls': linesId}, expanded ? 'Hide items' : 'Show items');
  const lines = h('div', {id: linesId, class: 'order-lines', hidden: !expanded},
    h('table', {class: 'table'},
      h('caption', {class: 'sr-only'}, `Items of order ${shortId(order.id)}`),
      h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Product'), h('th', {scope: 'col', class: 'num'}, 'Price'), h('th', {scope: 'col', class: 'num'}, 'Qty'), h('th', {scope: 'col', class: 'num'}, 'Total'))),
      h('tbody', {}, order.items.map((l) => h('tr', {}, h('td', {}, l.name), h('td', {class: 'num'}, money(l.unit_price_cents)), h('td', {class: 'num'}, String(l.quantity)), h('td', {class: 'num'}, money(l.line_total_cents)))))));
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(open));
    toggle.textContent = open ? 'Hide items' : 'Show items';
    lines.hidden = !open;
  });
  const actions = [toggle];
  // A failed payment leaves the order pending: paying again makes a new payment.
  const failed = ['failed', 'requires_payment_method', 'canceled'].includes(order.payment_status);
  if (order.status === 'pending') actions.push(h('a', {class: 'btn btn-primary btn-sm', href: `#/pay/${order.id}`}, failed ? 'Try again' : 'Pay now'));
  if (order.status === 'pending' || order.status === 'confirmed') {
    const cancel = h('button', {class: 'btn btn-danger btn-sm', type: 'button'}, 'Cancel order');
    cancel.addEventListener('click', async () => {
      if (!window.confirm(`Cancel order #${shortId(order.id)}? Its items go back on sale.`)) return;
      cancel.disabled = true;
      try {
        const answer = await post(`/api/orders/${encodeURIComponent(order.id)}/cancel`, undefined);
        toast(`Order #${shortId(order.id)} was cancelled.`, {kind: 'success'});
        onChanged(answer.order || null, order.id);
      } catch (err) {
        cancel.disabled = false;
        toast(err.message, {kind: 'error', title: 'Could not cancel'});
      }
    });
    actions.push(cancel);
  }
  const count = order.items.reduce((n, l) => n + l.quantity, 0);
  return h('li', {class: 'card order-card', dataset: {orderId: order.id}},
    h('div', {class: 'order-head'},
      h('div', {},
        h('h2', {class: 'order-title'}, `Order #${shortId(order.id)}`),
        h('p', {class: 'muted'}, `${dateTime(order.created_at)} · ${plural(count, 'item', 'items')}`)),
      h('div', {class: 'order-status'}, statusBadge(order.status), h('strong', {class: 'order-total'}, money(order.total_cents)))),
    paymentLine(order),
    order.shipping_address ? h('p', {class: 'order-address'}, h('strong', {}, 'Ship to: '), addressText(order.shipping_address)) : null,
    h('div', {class: 'order-actions'}, actions),
    lines);
}

// #/orders?status=&page=
export async function ordersView(main, {query: params}) {
  const status = params.get('status') || '';
  const page = Math.max(1, Number.parseInt(params.get('page') || '1', 10) || 1);
  const stats = h('div', {class: 'kpis kpis-small'});
  const list = h('section', {'aria-label': 'Orders'});
  const tabs = h('nav', {class: 'tabs', 'aria-label': 'Filter by status'},
    FILTERS.map(([v, t]) => h('a', {href: `#/orders${query({status: v})}`, class: 'tab', 'aria-current': v === status ? 'page' : false}, t)));
  clear(main).append(heading('Your orders'), stats, tabs, list);

  get('/api/orders/stats').then((s) => {
    clear(stats).append(
      h('div', {class: 'kpi'}, h('span', {}, 'Orders'), h('strong', {}, String(s.total_orders))),
      h('div', {class: 'kpi'}, h('span', {}, 'Spent'), h('strong', {}, money(s.total_spent_cents))),
      h('div', {class: 'kpi'}, h('span', {}, 'On the way'), h('strong', {}, String(s.confirmed_orders + s.shipped_orders))));
  }).catch(() => {});

  const expanded = new Set();
  const replace = async (id) => {
    const card = list.querySelector(`[data-order-id="${CSS.escape(id)}"]`);
    if (!card) return;
    try {
      const o = (await get(`/api/orders/${encodeURIComponent(id)}`)).order;
      if (!card.isConnected) return;
      const open = card.querySelector('[aria-expanded]').getAttribute('aria-expanded') === 'true';
      card.replaceWith(orderCard(o, {expanded: open || expanded.has(id), onChanged: (_, oid) => replace(oid)}));
    } catch {
      // The next live message or a reload shows it.
    }
  };

  const load = async () => {
    clear(list).append(loading('Loading your orders…'));
    try {
      const answer = await get(`/api/orders${query({status, page, per_page: PER_PAGE})}`);
      clear(list);
      if (!answer.items.length) {
        list.append(empty(status ? 'No orders with this status.' : 'You have no orders yet.', h('a', {class: 'btn btn-primary', href: '#/'}, 'Start shopping')));
        return;
      }
      list.append(h('ul', {class: 'order-list'}, answer.items.map((o) => orderCard(o, {onChanged: (_, oid) => replace(oid)}))));
      const pages = Math.ceil(answer.total / PER_PAGE);
      if (pages > 1) list.append(pager(page, pages, (p) => go('/orders', {status, page: p})));
    } catch (err) {
      clear(list).append(errorBox(err, load));
    }
  };

  // A status change pushed by the engine updates that order's card in place.
  const onLive = (e) => {
    const msg = e.detail;
    if (msg.order_id && (msg.type.startsWith('order.') || msg.type.startsWith('payment.'))) replace(msg.order_id);
  };
  window.addEventListener('orderly:live', onLive);
  await load();
  return () => window.removeEventListener('orderly:live', onLive);
}

// The order's payments, newest first, each with its refunds: what the
// customer paid, how, and what came back. Empty when there is none yet.
async function paymentsSection(order) {
  let list;
  try {
    list = (await get(`/api/payments${query({order_id: order.id, per_page: 100})}`)).items;
  } catch {
    return null;  // the order itself is shown; its payments on the next load
  }
  if (!list.length) return null;
  const details = await Promise.all(list.map((p) => get(`/api/payments/${encodeURIComponent(p.id)}`).then((a) => a.payment, () => p)));
  return h('section', {class: 'card order-payments', 'aria-labelledby': 'order-payments-title'},
    h('h2', {id: 'order-payments-title'}, 'Payments'),
    h('ul', {class: 'plain-list payment-list'}, details.map((p) => h('li', {class: 'payment-item', dataset: {paymentId: p.id}},
      h('div', {},
        h('p', {}, h('strong', {}, money(p.amount_cents)), ` · ${methodName(p.payment_method)} · ${dateTime(p.created_at)} `, statusBadge(p.status)),
        p.status === 'processing' && p.payment_method === 'cash_on_delivery' ? h('p', {class: 'muted'}, 'Pay when it arrives.') : null,
        p.refunds && p.refunds.length ? h('div', {class: 'refunds'}, h('h3', {}, `Refunded ${money(p.refunded_cents || 0)}`), refundsTable(p.refunds)) : null)))));
}

// #/orders/<id>: one order with its items shown; the order emails link here.
export async function orderView(main, {params}) {
  const holder = h('section', {'aria-label': 'Order'});
  clear(main).append(heading(`Order #${shortId(params.id)}`), h('p', {}, h('a', {href: '#/orders'}, 'All your orders')), holder);
  // Live pushes come in bursts (a payment and its order move together):
  // only the newest load may fill the page, else the loads that overlap
  // would each add the payments.
  let generation = 0;
  const load = async () => {
    const mine = ++generation;
    if (!holder.childElementCount) holder.append(loading('Loading the order…'));
    try {
      const o = (await get(`/api/orders/${encodeURIComponent(params.id)}`)).order;
      const payments = await paymentsSection(o);
      if (mine !== generation) return;
      clear(holder).append(h('ul', {class: 'order-list'}, orderCard(o, {expanded: true, onChanged: () => load()})));
      if (payments) holder.append(payments);
    } catch (err) {
      if (mine === generation) clear(holder).append(errorBox(err, load));
    }
  };
  // A status change pushed by the engine shows at once.
  const onLive = (e) => { if (e.detail.order_id === params.id) load(); };
  window.addEventListener('orderly:live', onLive);
  await load();
  return () => window.removeEventListener('orderly:live', onLive);
}
