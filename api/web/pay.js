// Paying for a pending order with the engine's test methods: a payment is
// created for the order's total, then confirmed with the chosen method.
import {get, post} from './api.js';
import {h, clear, loading, errorBox, heading, formMessage, statusBadge, shortId} from './dom.js';
import {money} from './format.js';
import {go} from './router.js';
import {toast} from './toast.js';

const METHODS = [
  ['pm_card_ok', 'Test card that succeeds', '4242 4242 4242 4242'],
  ['pm_card_declined', 'Test card that is declined', '4000 0000 0000 0002'],
];

// #/pay/<order id>
export async function payView(main, {params}) {
  clear(main).append(heading('Payment'), loading('Loading your order…'));
  let order;
  try {
    order = (await get(`/api/orders/${encodeURIComponent(params.id)}`)).order;
  } catch (err) {
    clear(main).append(heading('Payment'), errorBox(err, () => payView(main, {params})));
    return;
  }
  clear(main).append(heading(`Pay for order #${shortId(order.id)}`));
  const lines = h('ul', {class: 'plain-list'}, order.items.map((l) => h('li', {}, h('span', {}, `${l.quantity} × ${l.name}`), h('span', {}, money(l.line_total_cents)))));
  const summary = h('section', {class: 'card summary'}, h('h2', {}, 'Your order'), lines,
    h('p', {class: 'total-line'}, h('span', {}, 'Total'), h('strong', {}, money(order.total_cents))),
    h('p', {}, 'Status: ', statusBadge(order.status)));
  if (order.status !== 'pending') {
    main.append(h('div', {class: 'pay-layout'}, summary,
      h('section', {class: 'card'}, h('p', {}, order.status === 'cancelled' ? 'This order was cancelled, so it cannot be paid.' : 'This order is paid.'),
        h('a', {class: 'btn btn-primary', href: '#/orders'}, 'See your orders'))));
    return;
  }
  const message = h('div', {class: 'form-message', role: 'alert', tabindex: '-1'});
  const button = h('button', {class: 'btn btn-primary btn-lg', type: 'submit'}, `Pay ${money(order.total_cents)}`);
  const form = h('form', {class: 'card pay-form', onsubmit: async (e) => {
    e.preventDefault();
    const method = form.querySelector('input[name=method]:checked');
    if (!method) return formMessage(message, {message: 'Choose a payment method.'});
    button.disabled = true;
    button.textContent = 'Paying…';
    formMessage(message, null);
    try {
      const created = await post('/api/payments', {order_id: order.id});
      const payment = (await post(`/api/payments/${encodeURIComponent(created.payment.id)}/confirm`, {payment_method: method.value})).payment;
      if (payment.status === 'succeeded') {
        toast(`Payment of ${money(payment.amount_cents)} received. Thank you!`, {kind: 'success'});
        go('/orders');
        return;
      }
      formMessage(message, {message: 'The card was declined. Nothing was charged; choose another method and try again.'});
    } catch (err) {
      formMessage(message, err);
    }
    message.focus();
    button.disabled = false;
    button.textContent = `Pay ${money(order.total_cents)}`;
  }},
  h('fieldset', {},
    h('legend', {}, 'Payment method'),
    METHODS.map(([value, label, number], i) => h('label', {class: 'choice'},
      h('input', {type: 'radio', name: 'method', value, checked: i === 0}),
      h('span', {}, h('strong', {}, label), h('small', {class: 'muted'}, ` ${number} · ${value}`))))),
  message, button);
  main.append(h('div', {class: 'pay-layout'}, summary, form));
}
