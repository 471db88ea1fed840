// The operations overview: revenue and orders per day, orders by status,
// the average order, top products and categories, most viewed products,
// trending searches, low stock, and the read models' lag with a rebuild
// button. It reloads itself (at most once a second) as events happen.
import {get, post} from './api.js';
import {h, clear, loading, errorBox, heading, throttle} from './dom.js';
import {money, shortDate, plural} from './format.js';
import {columnChart, lineChart, barList} from './charts.js';
import {adminTabs, followAllEvents} from './admin_nav.js';
import {toast} from './toast.js';

const STATUS_ORDER = ['pending', 'confirmed', 'shipped', 'delivered', 'cancelled'];

// Every day from the first with data to today (at most 30), zeros included,
// so the charts show quiet days too.
export function fillDays(days, today = new Date()) {
  if (!days.length) return [];
  const byDate = new Map(days.map((d) => [d.date, d]));
  const last = today.toISOString().slice(0, 10) > days[days.length - 1].date ? today.toISOString().slice(0, 10) : days[days.length - 1].date;
  const out = [];
  const d = new Date(`${last}T00:00:00Z`);
  for (let i = 0; i < 30; i++) {
    const key = d.toISOString().slice(0, 10);
    out.unshift(byDate.get(key) || {date: key, revenue_cents: 0, orders: 0});
    if (key <= days[0].date && out.length >= 7) break;
    d.setUTCDate(d.getUTCDate() - 1);
  }
  return out;
}

function kpi(label, value, note = '') {
  return h('div', {class: 'kpi card'}, h('span', {}, label), h('strong', {}, value), note ? h('small', {class: 'muted'}, note) : null);
}

function panel(title, ...content) {
  return h('section', {class: 'card panel'}, h('h2', {}, title), content);
}

function projectionsTable(rows, onRebuild) {
  return h('table', {class: 'table'},
    h('caption', {class: 'sr-only'}, 'Read models'),
    h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Read model'), h('th', {scope: 'col', class: 'num'}, 'Position'), h('th', {scope: 'col', class: 'num'}, 'Lag'), h('th', {scope: 'col'}, 'State'), h('th', {scope: 'col'}, h('span', {class: 'sr-only'}, 'Actions')))),
    h('tbody', {}, rows.map((p) => h('tr', {},
      h('th', {scope: 'row'}, p.name),
      h('td', {class: 'num'}, String(p.position)),
      h('td', {class: `num ${p.lag > 0 ? 'warn' : ''}`}, plural(p.lag, 'event', 'events')),
      h('td', {}, h('span', {class: `badge badge-${p.state === 'live' ? 'delivered' : 'pending'}`}, p.state)),
      h('td', {}, h('button', {class: 'btn btn-ghost btn-sm', type: 'button', 'aria-label': `Rebuild ${p.name}`, onclick: () => onRebuild(p.name)}, 'Rebuild'))))));
}

// #/admin
export async function dashboardView(main) {
  const body = h('div', {class: 'dashboard'}, loading('Loading the numbers…'));
  const updated = h('p', {class: 'muted small', role: 'status'});
  clear(main).append(h('div', {class: 'view-head'}, heading('Operations'), updated), adminTabs('/admin'), body);

  const rebuild = async (name) => {
    try {
      await post(`/api/admin/projections/${encodeURIComponent(name)}/rebuild`, undefined);
      toast(`Rebuilding ${name} beside the live one; queries keep being answered.`, {kind: 'success'});
      setTimeout(load, 1000);
    } catch (err) {
      toast(err.message, {kind: 'error', title: `Could not rebuild ${name}`});
    }
  };

  let first = true;
  const load = async () => {
    try {
      const [d, projections] = await Promise.all([get('/api/stats/dashboard'), get('/api/admin/projections')]);
      const days = fillDays(d.revenue_by_day || []);
      const byStatus = STATUS_ORDER.map((st) => ({label: st, value: d.orders_by_status[st] || 0, className: `fill-${st}`}));
      const lagging = projections.filter((p) => p.lag > 0).length;
      clear(body).append(
        h('div', {class: 'kpis'},
          kpi('Revenue', money(d.revenue_cents), 'confirmed orders'),
          kpi('Orders', String(d.orders_total)),
          kpi('Average order', money(d.average_order_cents)),
          kpi('Awaiting payment', String(d.orders_by_status.pending || 0)),
          kpi('Read models', lagging ? `${lagging} behind` : 'Up to date')),
        h('div', {class: 'panels two'},
          panel('Revenue per day', columnChart(days.map((x) => ({label: shortDate(x.date), value: x.revenue_cents})), {format: (c) => money(c).replace(/\.00$/, ''), label: 'Revenue per day'})),
          panel('Orders per day', lineChart(days.map((x) => ({label: shortDate(x.date), value: x.orders})), {label: 'Orders per day', integer: true}))),
        h('div', {class: 'panels three'},
          panel('Orders by status', barList(byStatus, {label: 'Orders by status'})),
          panel('Top products', barList((d.top_products || []).map((p) => ({label: p.name, value: p.revenue_cents})), {format: money, label: 'Top products by revenue', empty: 'No sales yet.'})),
          panel('Top categories', barList((d.top_categories || []).map((c) => ({label: c.category, value: c.revenue_cents})), {format: money, label: 'Top categories by revenue', empty: 'No sales yet.'}))),
        h('div', {class: 'panels three'},
          panel('Most viewed', barList((d.most_viewed || []).map((v) => ({label: v.name || v.product_id, value: v.views, href: `#/product/${v.product_id}`})), {label: 'Most viewed products', empty: 'No product views yet.'})),
          panel('Trending searches', barList((d.trending_searches || []).map((t) => ({label: `“${t.query}”`, value: t.count})), {label: 'Trending searches', empty: 'No searches yet.'})),
          panel('Low stock', (d.low_stock || []).length
            ? h('ul', {class: 'plain-list'}, d.low_stock.map((p) => h('li', {}, h('a', {href: `#/admin/products?edit=${p.product_id}`}, p.name), h('span', {class: `badge ${p.available === 0 ? 'badge-cancelled' : 'badge-pending'}`}, `${p.available} left`))))
            : h('p', {class: 'state state-empty'}, 'Everything is well stocked.'))),
        panel('Read models', h('div', {class: 'table-scroll'}, projectionsTable(projections, rebuild))));
      updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    } catch (err) {
      if (first) clear(body).append(errorBox(err, load));
      else updated.textContent = `Could not refresh: ${err.message}`;
    }
    first = false;
  };
  await load();
  // New events change the numbers: reload, at most once a second.
  return followAllEvents(throttle(load, 1000));
}
