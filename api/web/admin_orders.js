// Order management: every customer's orders, filterable by status, with
// the moves the engine allows from each status (confirm, ship, deliver,
// cancel; for cash on delivery "delivered, cash collected", which records
// the payment too), the order's payment (its status, a dispute), and links
// to its payments and audit trail. Refreshes as events happen.
import {get, post, put, query} from './api.js';
import {h, clear, loading, empty, errorBox, heading, statusBadge, statusLabel, shortId, throttle} from './dom.js';
import {money, dateTime} from './format.js';
import {adminTabs, followAllEvents} from './admin_nav.js';
import {pager} from './shop.js';
import {go} from './router.js';
import {toast} from './toast.js';

const PER_PAGE = 20;
const FILTERS = [['', 'All'], ['pending', 'Pending'], ['confirmed', 'Confirmed'], ['shipped', 'Shipped'], ['delivered', 'Delivered'], ['cancelled', 'Cancelled']];
// status → [label, next status] the engine accepts (PUT /api/orders/{id}/status).
const MOVES = {pending: [['Confirm', 'confirmed']], confirmed: [['Ship', 'shipped']], shipped: [['Mark delivered', 'delivered']]};

async function move(order, status, done, {cashCollected = false} = {}) {
  try {
    if (status === 'cancelled') {
      if (!window.confirm(`Cancel order #${shortId(order.id)}? Its reserved stock is released.`)) return;
      await post(`/api/orders/${encodeURIComponent(order.id)}/cancel`, undefined);
    } else if (cashCollected) {
      await put(`/api/orders/${encodeURIComponent(order.id)}/status`, {status, cash_collected: true});
    } else {
      await put(`/api/orders/${encodeURIComponent(order.id)}/status`, {status});
    }
    toast(`Order #${shortId(order.id)} is now ${status}${cashCollected ? ', cash collected' : ''}.`, {kind: 'success'});
  } catch (err) {
    toast(err.message, {kind: 'error', title: `Order #${shortId(order.id)}`});
  }
  done();
}

function row(o, reload) {
  const actions = (MOVES[o.status] || []).map(([label, to]) =>
    h('button', {class: 'btn btn-primary btn-sm', type: 'button', 'aria-label': `${label} order ${shortId(o.id)}`, onclick: (e) => { e.target.disabled = true; move(o, to, reload); }}, label));
  // Cash on delivery: the payment waits (processing) until the courier's cash is in.
  const cashDue = o.payment_status === 'processing' || o.payment_status === undefined;
  if (o.status === 'shipped' && cashDue) {
    actions.push(h('button', {class: 'btn btn-sm', type: 'button', 'aria-label': `Delivered, cash collected, order ${shortId(o.id)}`,
      onclick: (e) => { e.target.disabled = true; move(o, 'delivered', reload, {cashCollected: true}); }}, 'Delivered, cash collected'));
  }
  if (o.status === 'pending' || o.status === 'confirmed') {
    actions.push(h('button', {class: 'btn btn-danger btn-sm', type: 'button', 'aria-label': `Cancel order ${shortId(o.id)}`, onclick: () => move(o, 'cancelled', reload)}, 'Cancel'));
  }
  actions.push(h('a', {class: 'btn btn-ghost btn-sm', href: `#/admin/payments${query({order_id: o.id})}`, 'aria-label': `Payments of order ${shortId(o.id)}`}, 'Payments'));
  actions.push(h('a', {class: 'btn btn-ghost btn-sm', href: `#/admin/audit?stream=order-${o.id}`, 'aria-label': `Audit order ${shortId(o.id)}`}, 'Audit'));
  return h('tr', {dataset: {orderId: o.id}, class: o.disputed ? 'disputed' : false},
    h('th', {scope: 'row'}, `#${shortId(o.id)}`, h('small', {class: 'muted block'}, o.items.map((l) => `${l.quantity} × ${l.name}`).join(', '))),
    h('td', {}, h('code', {title: o.user_id}, shortId(o.user_id))),
    h('td', {}, dateTime(o.created_at)),
    h('td', {class: 'num'}, money(o.total_cents)),
    h('td', {}, statusBadge(o.status),
      o.payment_status ? h('small', {class: 'block'}, h('span', {class: `pill badge-${o.payment_status}`, title: 'Payment'}, statusLabel(o.payment_status))) : null,
      o.disputed ? h('span', {class: 'pill badge-disputed'}, 'Disputed') : null),
    h('td', {class: 'actions-cell'}, actions));
}

// #/admin/orders?status=&page=
export async function adminOrdersView(main, {query: params}) {
  const status = params.get('status') || '';
  const page = Math.max(1, Number.parseInt(params.get('page') || '1', 10) || 1);
  const list = h('section', {'aria-label': 'Orders'});
  clear(main).append(heading('Orders'), adminTabs('/admin/orders'),
    h('nav', {class: 'tabs', 'aria-label': 'Filter by status'}, FILTERS.map(([v, t]) => h('a', {href: `#/admin/orders${query({status: v})}`, class: 'tab', 'aria-current': v === status ? 'page' : false}, t))),
    list);
  let first = true;
  const load = async () => {
    if (first) clear(list).append(loading('Loading orders…'));
    try {
      const answer = await get(`/api/orders${query({status, page, per_page: PER_PAGE})}`);
      clear(list);
      if (!answer.items.length) {
        list.append(empty(status ? `No ${status} orders.` : 'No orders yet.'));
        return;
      }
      list.append(h('div', {class: 'card table-scroll'}, h('table', {class: 'table'},
        h('caption', {class: 'sr-only'}, 'Orders, newest first'),
        h('thead', {}, h('tr', {}, ['Order', 'Customer', 'Placed', 'Total', 'Status', ''].map((t, i) => h('th', {scope: 'col', class: i === 3 ? 'num' : ''}, t || h('span', {class: 'sr-only'}, 'Actions'))))),
        h('tbody', {}, answer.items.map((o) => row(o, load))))));
      const pages = Math.ceil(answer.total / PER_PAGE);
      if (pages > 1) list.append(pager(page, pages, (n) => go('/admin/orders', {status, page: n})));
    } catch (err) {
      if (first) clear(list).append(errorBox(err, load));
      else toast(err.message, {kind: 'error', title: 'Could not refresh the orders'});
    }
    first = false;
  };
  await load();
  const reload = throttle(load, 1000);
  return followAllEvents((msg) => {
    if (/^(order|payment)\./.test(String(msg.type))) reload();
  });
}
