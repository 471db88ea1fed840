// The page's entry point: the header (navigation, cart count, live
// status, who is logged in), the routes, and the live feed that turns the
// engine's pushes into toasts and updated badges.
import {h, append, clear, errorBox, heading, shortId, statusLabel} from './dom.js';
import {add, current, match, go} from './router.js';
import {session, isAdmin, onSessionChange, logout} from './session.js';
import {connectLive} from './live.js';
import {toast} from './toast.js';
import {loadCart, onCart, itemCount, forgetCart} from './cart_state.js';
import {catalogView, productView} from './shop.js';
import {cartView} from './cart.js';
import {payView} from './pay.js';
import {ordersView, orderView} from './orders.js';
import {loginView, registerView, oidcView} from './account.js';
import {dashboardView} from './admin_dashboard.js';
import {adminProductsView} from './admin_products.js';
import {adminProductImagesView} from './admin_images.js';
import {adminCategoriesView} from './admin_categories.js';
import {adminOrdersView} from './admin_orders.js';
import {adminPaymentsView, adminPaymentView, adminPaymentWebhooksView} from './admin_payments.js';
import {eventsView, auditView} from './admin_events.js';
import {adminUsersView, adminUserView} from './admin_users.js';
import {forgotPasswordView, resetPasswordView, verifyEmailView} from './account_recovery.js';
import {profileView, addressesView, passwordView, closeView} from './profile.js';
import {accountPaymentsView} from './account_payments.js';

add('/', catalogView);
add('/product/:id', productView);
add('/login', loginView);
add('/register', registerView);
add('/oidc', oidcView);
add('/forgot-password', forgotPasswordView);
add('/reset-password', resetPasswordView);
add('/verify-email', verifyEmailView);
add('/cart', cartView, {user: true});
add('/pay/:id', payView, {user: true});
add('/orders', ordersView, {user: true});
add('/orders/:id', orderView, {user: true});
add('/account', profileView, {user: true});
add('/account/addresses', addressesView, {user: true});
add('/account/password', passwordView, {user: true});
add('/account/payments', accountPaymentsView, {user: true});
add('/account/close', closeView, {user: true});
add('/admin', dashboardView, {admin: true});
add('/admin/products', adminProductsView, {admin: true});
add('/admin/products/:id/images', adminProductImagesView, {admin: true});
add('/admin/categories', adminCategoriesView, {admin: true});
add('/admin/orders', adminOrdersView, {admin: true});
add('/admin/payments', adminPaymentsView, {admin: true});
add('/admin/payments/webhooks', adminPaymentWebhooksView, {admin: true});  // before :id
add('/admin/payments/:id', adminPaymentView, {admin: true});
add('/admin/events', eventsView, {admin: true});
add('/admin/audit', auditView, {admin: true});
add('/admin/users', adminUsersView, {admin: true});
add('/admin/users/:id', adminUserView, {admin: true});

const main = document.getElementById('main');
const nav = document.getElementById('nav');
let live = null;
let liveState = 'offline';
let leaveView = null;

function renderNav() {
  const s = session();
  const here = current().path;
  const item = (href, text, extra = null, active = false) =>
    h('a', {href, class: 'nav-link', 'aria-current': active ? 'page' : false}, text, extra);
  const count = itemCount();
  append(clear(nav), [
    item('#/', 'Shop', null, here === '/' || here.startsWith('/product')),
    s ? item('#/cart', 'Cart', count ? h('span', {class: 'count', 'aria-label': `${count} items`}, String(count)) : null, here === '/cart') : null,
    s ? item('#/orders', 'Orders', null, here === '/orders') : null,
    s ? item('#/account', 'Account', null, here.startsWith('/account')) : null,
    isAdmin() ? item('#/admin', 'Dashboard', null, here.startsWith('/admin')) : null,
    s ? h('span', {class: `live-dot live-${liveState}`, title: liveState === 'live' ? 'Live updates on' : 'Live updates reconnecting'},
      h('span', {class: 'sr-only'}, liveState === 'live' ? 'Live updates on' : 'Live updates reconnecting')) : null,
    s ? h('span', {class: 'nav-user'}, s.user.username) : null,
    s ? h('button', {class: 'btn btn-ghost btn-sm', type: 'button', onclick: async () => { await logout(); go('/'); }}, 'Log out')
      : h('a', {href: '#/login', class: 'btn btn-ghost btn-sm'}, 'Log in'),
    s ? null : h('a', {href: '#/register', class: 'btn btn-primary btn-sm'}, 'Register')]);
}

// What a push means to the customer, or nothing for pushes not worth a toast
// (a succeeded payment shows as the order's confirmation).
function describe(msg) {
  const order = msg.order_id ? `order #${shortId(msg.order_id)}` : 'your order';
  switch (msg.type) {
    case 'order.status_changed':
      return {text: `Your ${order} is now ${statusLabel(msg.status).toLowerCase()}.`, kind: msg.status === 'cancelled' ? 'warning' : 'success'};
    case 'payment.failed':
      return {text: `The payment for ${order} was declined.`, kind: 'error'};
    case 'payment.refunded':
      return {text: `A refund for ${order} was issued.`, kind: 'info'};
    default:
      return null;
  }
}

function startLive() {
  if (live) live.close();
  live = null;
  if (!session()) return;
  live = connectLive({
    onMessage: (msg) => {
      window.dispatchEvent(new CustomEvent('orderly:live', {detail: msg}));
      const d = describe(msg);
      if (d) toast(d.text, {kind: d.kind, title: 'Order update'});
    },
    onState: (state) => {
      liveState = state;
      renderNav();
    },
  });
}

async function render() {
  if (leaveView) {
    try { leaveView(); } catch { /* a view's clean-up never blocks the next */ }
    leaveView = null;
  }
  const {path, query} = current();
  renderNav();
  const found = match(path);
  if (!found) {
    clear(main).append(heading('Page not found'), h('p', {}, 'There is nothing here. ', h('a', {href: '#/'}, 'Go to the shop')));
    return;
  }
  if ((found.route.user || found.route.admin) && !session()) {
    go('/login', {next: location.hash.replace(/^#/, '')});
    return;
  }
  if (found.route.admin && !isAdmin()) {
    clear(main).append(heading('Admins only'), h('p', {}, 'This page is for the shop’s operators. ', h('a', {href: '#/'}, 'Go to the shop')));
    return;
  }
  try {
    const leave = await found.route.view(main, {params: found.params, query});
    if (typeof leave === 'function') leaveView = leave;
  } catch (err) {
    clear(main).append(errorBox(err, render));
  }
  const title = main.querySelector('.view-title');
  if (title && document.activeElement === document.body) title.focus({preventScroll: true});
}

onSessionChange((s, reason) => {
  if (reason === 'refresh') return;  // same user, new tokens: the socket reconnects with them when needed
  forgetCart();
  startLive();
  if (s) loadCart().catch(() => {});
  if (!s && reason && reason !== 'logout' && reason !== 'other-tab') toast(reason, {kind: 'warning'});
  renderNav();
  if (!s && (current().path.startsWith('/admin') || current().path.startsWith('/account') || ['/cart', '/orders'].includes(current().path) || current().path.startsWith('/pay'))) go('/login', {next: current().path});
});
onCart(() => renderNav());
window.addEventListener('hashchange', () => {
  window.scrollTo(0, 0);
  render();
});

startLive();
if (session()) loadCart().catch(() => {});
render();
