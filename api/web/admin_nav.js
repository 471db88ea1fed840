// The operations pages' shared tab bar and their live connection to every
// event (admins may ask the feed for scope=all).
import {h} from './dom.js';
import {connectLive} from './live.js';

const TABS = [
  ['/admin', 'Overview'], ['/admin/products', 'Products'], ['/admin/categories', 'Categories'],
  ['/admin/orders', 'Orders'], ['/admin/payments', 'Payments'],
  ['/admin/users', 'Users'], ['/admin/events', 'Live events'], ['/admin/audit', 'Audit'],
];

export function adminTabs(active) {
  return h('nav', {class: 'tabs admin-tabs', 'aria-label': 'Operations'},
    TABS.map(([path, text]) => h('a', {href: `#${path}`, class: 'tab', 'aria-current': path === active ? 'page' : false}, text)));
}

// Calls `onEvent` for every event the engine appends while the view is
// open; returns the function that closes the connection.
export function followAllEvents(onEvent, onState = () => {}) {
  const conn = connectLive({scope: 'all', onMessage: onEvent, onState});
  return () => conn.close();
}
