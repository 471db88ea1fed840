// The engine's own 3-D Secure page (/pay/3ds?payment_id=<id>): when no
// payment provider is configured, a pm_card_3ds payment's next_action_url
// leads here. It stands in for the bank's page: the signed-in customer
// approves or fails the check (POST /api/payments/{id}/authenticate), and
// is sent back to the order in the shop, as a provider's page would.
import {get, post} from './api.js';
import {session} from './session.js';
import {h, clear, errorBox, heading, formMessage, statusBadge, shortId} from './dom.js';
import {money} from './format.js';

const main = document.getElementById('main');
const paymentId = new URLSearchParams(location.search).get('payment_id') || '';

const orderUrl = (orderId) => `/#/orders/${encodeURIComponent(orderId)}`;

function page(...content) {
  clear(main).append(heading('Confirm your payment'), h('div', {class: 'card three-ds'}, ...content));
}

async function render() {
  if (!paymentId) {
    page(h('p', {}, 'This link names no payment.'), h('a', {class: 'btn', href: '/#/orders'}, 'Your orders'));
    return;
  }
  if (!session()) {
    // The shop's sign-in returns inside the shop; the order page then offers the payment again.
    page(h('p', {}, 'Log in to confirm this payment, then open your order again.'),
      h('a', {class: 'btn btn-primary', href: '/#/login?next=%2Forders'}, 'Log in'));
    return;
  }
  let payment;
  try {
    payment = (await get(`/api/payments/${encodeURIComponent(paymentId)}`)).payment;
  } catch (err) {
    clear(main).append(heading('Confirm your payment'), errorBox(err, render));
    return;
  }
  if (payment.status !== 'requires_action') {
    page(h('p', {}, 'This payment needs no confirmation now. ', statusBadge(payment.status)),
      h('a', {class: 'btn btn-primary', href: orderUrl(payment.order_id)}, 'Back to your order'));
    return;
  }
  const message = h('div', {class: 'form-message', role: 'alert', tabindex: '-1'});
  const answer = async (result, button) => {
    for (const b of main.querySelectorAll('button')) b.disabled = true;
    button.textContent = 'Sending…';
    formMessage(message, null);
    try {
      await post(`/api/payments/${encodeURIComponent(payment.id)}/authenticate`, {result});
      // Back to the shop: the order page shows what came of it.
      location.assign(orderUrl(payment.order_id));
    } catch (err) {
      formMessage(message, err);
      message.focus();
      for (const b of main.querySelectorAll('button')) b.disabled = false;
      button.textContent = result === 'approve' ? 'Approve' : 'Fail';
    }
  };
  const approve = h('button', {class: 'btn btn-primary btn-lg', type: 'button'}, 'Approve');
  const fail = h('button', {class: 'btn btn-danger btn-lg', type: 'button'}, 'Fail');
  approve.addEventListener('click', () => answer('approve', approve));
  fail.addEventListener('click', () => answer('fail', fail));
  page(
    h('p', {class: 'eyebrow'}, 'Test bank · 3-D Secure'),
    h('p', {}, `Your bank asks you to confirm the payment of `, h('strong', {}, money(payment.amount_cents, payment.currency)),
      ` for order #${shortId(payment.order_id)}.`),
    h('p', {class: 'muted small'}, 'This page stands in for your bank’s check. Approve to pay; Fail to see a refused check.'),
    message,
    h('div', {class: 'form-actions'}, approve, fail),
    h('p', {}, h('a', {href: orderUrl(payment.order_id)}, 'Back to the order without deciding')));
}

render();
