// Paying for a pending order: a payment is created for the order's total,
// then confirmed with the chosen method, and its outcome followed to the
// end (docs/design/payments.md):
// - succeeded: the order is confirmed;
// - failed: nothing was charged; the form offers to try again: a new
//   payment, or the same one when the engine keeps it open for another
//   method (requires_payment_method: a failed 3-D Secure check). An order
//   has one open payment at a time, so the page finds it (the order's
//   payments, or the one this tab made) before making another;
// - requires_action (3-D Secure): the browser follows next_action_url, the
//   engine's /pay/3ds page or the provider's, which return to the order;
// - processing: cash on delivery is paid when the order arrives; a card at
//   the provider is polled (and the live feed nudges the poll) until the
//   provider's webhook settles it.
import {get, post, idempotencyKey, query} from './api.js';
import {h, clear, loading, errorBox, heading, formMessage, statusBadge, shortId} from './dom.js';
import {money} from './format.js';
import {go} from './router.js';
import {toast} from './toast.js';
import {METHODS, actionUrl} from './payment_parts.js';

const POLL_MS = 1000;
// A payment that takes a method: confirming it again is the retry.
const REUSABLE = ['requires_confirmation', 'requires_payment_method'];
const OPEN = [...REUSABLE, 'requires_action', 'processing'];

// The payment this tab last made for an order, for when the order's list
// cannot be read: after a 3-D Secure page the tab comes back to the shop.
const remember = (orderId, paymentId) => sessionStorage.setItem(`orderly.payment.${orderId}`, paymentId);
const remembered = (orderId) => sessionStorage.getItem(`orderly.payment.${orderId}`);

// The order's open payment, or null.
async function openPaymentOf(orderId) {
  let seen = [];
  try {
    seen = (await get(`/api/payments${query({order_id: orderId, per_page: 100})}`)).items;
  } catch {
    // Read below from the one this tab made.
  }
  const mine = remembered(orderId);
  if (mine && !seen.some((p) => p.id === mine)) {
    try {
      seen.push((await get(`/api/payments/${encodeURIComponent(mine)}`)).payment);
    } catch {
      // Gone or not ours: nothing to reuse.
    }
  }
  return seen.find((p) => OPEN.includes(p.status)) || null;
}

// #/pay/<order id>[?payment=<payment id>] (the payment being followed, so a
// reload keeps following it).
export async function payView(main, {params, query: q}) {
  clear(main).append(heading('Payment'), loading('Loading your order…'));
  let order;
  try {
    order = (await get(`/api/orders/${encodeURIComponent(params.id)}`)).order;
  } catch (err) {
    clear(main).append(heading('Payment'), errorBox(err, () => payView(main, {params, query: q})));
    return undefined;
  }
  clear(main).append(heading(`Pay for order #${shortId(order.id)}`));
  const lines = h('ul', {class: 'plain-list'}, order.items.map((l) => h('li', {}, h('span', {}, `${l.quantity} × ${l.name}`), h('span', {}, money(l.line_total_cents)))));
  const summary = h('section', {class: 'card summary'}, h('h2', {}, 'Your order'), lines,
    h('p', {class: 'total-line'}, h('span', {}, 'Total'), h('strong', {}, money(order.total_cents))),
    h('p', {}, 'Status: ', statusBadge(order.status)));
  const followed = q && q.get('payment');
  if (order.status !== 'pending' && !followed) {
    const cod = order.payment_status === 'processing';
    const text = order.status === 'cancelled' ? 'This order was cancelled, so it cannot be paid.'
      : cod ? 'You pay for this order in cash when it arrives.' : 'This order is paid.';
    main.append(h('div', {class: 'pay-layout'}, summary,
      h('section', {class: 'card pay-form'}, h('p', {}, text),
        h('a', {class: 'btn btn-primary', href: `#/orders/${encodeURIComponent(order.id)}`}, 'See your order'))));
    return undefined;
  }

  let stopped = false;
  let timer = null;
  let watching = '';
  let reusable = null;  // the open payment the next confirmation goes to
  const progress = h('div', {class: 'pay-progress', role: 'status', 'aria-live': 'polite'});
  const message = h('div', {class: 'form-message', role: 'alert', tabindex: '-1'});
  const payLabel = `Pay ${money(order.total_cents)}`;
  const button = h('button', {class: 'btn btn-primary btn-lg', type: 'submit'}, payLabel);
  const fieldset = h('fieldset', {},
    h('legend', {}, 'Payment method'),
    METHODS.map(([value, label, hint], i) => h('label', {class: 'choice'},
      h('input', {type: 'radio', name: 'method', value, checked: i === 0}),
      h('span', {}, h('strong', {}, label), h('small', {class: 'muted'}, ` ${hint} · ${value}`)))));

  const busy = (text) => {
    button.disabled = true;
    fieldset.disabled = true;
    button.textContent = text;
  };
  const ready = (label = payLabel) => {
    button.disabled = false;
    fieldset.disabled = false;
    button.textContent = label;
    clear(progress);
  };

  // What the form does with a payment in the status it reached.
  const settle = (payment) => {
    if (stopped) return;
    watching = '';
    switch (payment.status) {
      case 'succeeded':
      case 'partially_refunded':
      case 'refunded':
        toast(`Payment of ${money(payment.amount_cents)} received. Thank you!`, {kind: 'success'});
        go('/orders');
        return;
      case 'requires_action': {
        const url = actionUrl(payment);
        clear(progress).append(h('p', {}, 'Your bank asks you to confirm this payment…'));
        if (url) location.assign(url);
        else {
          ready('Try again');
          formMessage(message, {message: 'The confirmation page could not be opened. Try again.'});
        }
        return;
      }
      case 'processing':
        if (payment.payment_method === 'cash_on_delivery') {
          toast('Your order is confirmed. Pay when it arrives.', {kind: 'success'});
          go(`/orders/${order.id}`);
          return;
        }
        // A card at the provider: its webhook decides.
        busy('Processing…');
        clear(progress).append(loading('Your payment is processing. This page updates when it is done.'));
        watching = payment.id;
        clearTimeout(timer);
        timer = setTimeout(() => poll(payment.id), POLL_MS);
        return;
      case 'requires_payment_method':
      case 'requires_confirmation':
        reusable = payment;
        ready('Try again');
        formMessage(message, {message: 'The card was declined. Nothing was charged; choose a method and try again.'});
        message.focus();
        return;
      case 'canceled':
        ready('Try again');
        formMessage(message, {message: 'This payment was canceled. Nothing was charged.'});
        message.focus();
        return;
      default:  // failed, requires_payment_method: a new payment is the retry
        ready('Try again');
        formMessage(message, {message: 'The card was declined. Nothing was charged; choose a method and try again.'});
        message.focus();
    }
  };

  const poll = async (id) => {
    if (stopped || watching !== id) return;
    clearTimeout(timer);
    try {
      settle((await get(`/api/payments/${encodeURIComponent(id)}`)).payment);
    } catch {
      // A network hiccup: keep following.
      if (!stopped) timer = setTimeout(() => poll(id), POLL_MS * 2);
    }
  };

  const form = h('form', {class: 'card pay-form', onsubmit: async (e) => {
    e.preventDefault();
    const method = form.querySelector('input[name=method]:checked');
    if (!method) return formMessage(message, {message: 'Choose a payment method.'});
    busy('Paying…');
    formMessage(message, null);
    try {
      let id = reusable && reusable.id;
      if (!id) {
        // One key per click: a retried request makes no second payment.
        id = (await post('/api/payments', {order_id: order.id}, {headers: {'Idempotency-Key': idempotencyKey()}})).payment.id;
        remember(order.id, id);
      }
      reusable = null;
      // Remembered in the address (no re-render), so a reload keeps following it.
      history.replaceState(null, '', `#/pay/${encodeURIComponent(order.id)}?payment=${encodeURIComponent(id)}`);
      settle((await post(`/api/payments/${encodeURIComponent(id)}/confirm`, {payment_method: method.value})).payment);
    } catch (err) {
      formMessage(message, err);
      message.focus();
      ready();
    }
    return undefined;
  }}, fieldset, progress, message, button);
  main.append(h('div', {class: 'pay-layout'}, summary, form));

  if (followed) {
    busy('Checking…');
    watching = followed;
    poll(followed);
  } else {
    const open = await openPaymentOf(order.id);
    if (stopped || !open) {
      // Nothing open: the next payment is a new one.
    } else if (open.status === 'requires_action') {
      // Back from the bank's page without a decision: go there again, or wait.
      const url = actionUrl(open);
      clear(progress).append(h('p', {}, 'This payment waits for your bank’s confirmation. ',
        url ? h('a', {href: url}, 'Confirm it with your bank') : null));
      busy('Waiting for your bank');
    } else if (REUSABLE.includes(open.status)) {
      reusable = open;
      if (open.status === 'requires_payment_method') {
        ready('Try again');
        formMessage(message, {message: 'Your last attempt was not approved. Nothing was charged; choose a method and try again.'});
      }
    } else {
      settle(open);
    }
  }
  // The live feed says when the payment moved; the poll then reads it at once.
  const onLive = (e) => {
    if (watching && e.detail.payment_id === watching) poll(watching);
  };
  window.addEventListener('orderly:live', onLive);
  return () => {
    stopped = true;
    clearTimeout(timer);
    window.removeEventListener('orderly:live', onLive);
  };
}
