// The customer's payments (#/account/payments): every payment they made,
// newest first (GET /api/payments lists the caller's own), with its method,
// status and what was refunded, each linked to its order.
import {get, query} from './api.js';
import {h, clear, loading, empty, errorBox, heading, statusBadge, shortId} from './dom.js';
import {money, dateTime} from './format.js';
import {pager} from './shop.js';
import {go} from './router.js';
import {tabs} from './profile.js';
import {methodName} from './payment_parts.js';

const PER_PAGE = 20;

export async function accountPaymentsView(main, {query: params}) {
  const page = Math.max(1, Number.parseInt(params.get('page') || '1', 10) || 1);
  const list = h('section', {'aria-label': 'Payments'});
  clear(main).append(heading('Your payments'), tabs('#/account/payments'), list);
  const load = async () => {
    clear(list).append(loading('Loading your payments…'));
    try {
      const answer = await get(`/api/payments${query({page, per_page: PER_PAGE})}`);
      clear(list);
      if (!answer.items.length) {
        list.append(empty('You have made no payments yet.', h('a', {class: 'btn btn-primary', href: '#/orders'}, 'Your orders')));
        return;
      }
      list.append(h('div', {class: 'card table-scroll'}, h('table', {class: 'table'},
        h('caption', {class: 'sr-only'}, 'Your payments, newest first'),
        h('thead', {}, h('tr', {}, ['Date', 'Order', 'Method', 'Amount', 'Refunded', 'Status'].map((t, i) => h('th', {scope: 'col', class: i === 3 || i === 4 ? 'num' : ''}, t)))),
        h('tbody', {}, answer.items.map((p) => h('tr', {dataset: {paymentId: p.id}},
          h('td', {}, dateTime(p.created_at)),
          h('td', {}, h('a', {href: `#/orders/${encodeURIComponent(p.order_id)}`}, `Order #${shortId(p.order_id)}`)),
          h('td', {}, methodName(p.payment_method)),
          h('td', {class: 'num'}, money(p.amount_cents)),
          h('td', {class: 'num'}, p.refunded_cents ? money(p.refunded_cents) : '—'),
          h('td', {}, statusBadge(p.status))))))));
      const pages = Math.ceil(answer.total / PER_PAGE);
      if (pages > 1) list.append(pager(page, pages, (n) => go('/account/payments', {page: n})));
    } catch (err) {
      clear(list).append(errorBox(err, load));
    }
  };
  await load();
}
