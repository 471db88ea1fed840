// The cart (server-side) with its totals, and checkout, which turns it into
// an order with all its stock reserved, or refuses with what is short.
import {h, clear, loading, empty, errorBox, heading, formMessage} from './dom.js';
import {money, plural} from './format.js';
import {loadCart, setQuantity, removeLine, emptyCart, checkout} from './cart_state.js';
import {go} from './router.js';
import {toast} from './toast.js';
import {get} from './api.js';
import {addressFields, readAddress, addressText} from './profile.js';

// "items[1].quantity" → the name of the cart's second line, so a refusal
// says which product is short.
export function describeLineErrors(err, lines) {
  const out = [];
  for (const e of err.fieldErrors || []) {
    const m = /^items\[(\d+)\]/.exec(e.field || '');
    const line = m ? lines[Number(m[1])] : null;
    out.push(line ? `${line.name}: ${e.message}` : `${e.field}: ${e.message}`);
  }
  return {message: err.message, fields: out};
}

function lineRow(line, onChange, busy) {
  const id = `q-${line.product_id}`;
  const qty = h('input', {id, type: 'number', min: 0, value: line.quantity, inputmode: 'numeric', class: 'qty-input', disabled: busy});
  qty.addEventListener('change', () => {
    const n = Number(qty.value);
    if (!Number.isInteger(n) || n < 0) {
      qty.value = line.quantity;
      return toast('A quantity is a whole number, 0 or more.', {kind: 'error'});
    }
    onChange(() => setQuantity(line.product_id, n));
  });
  return h('tr', {},
    h('th', {scope: 'row'}, h('a', {href: `#/product/${encodeURIComponent(line.product_id)}`}, line.name)),
    // The line keeps the price it was added at; a change since is shown,
    // and checkout asks once before charging the new one.
    h('td', {class: 'num'}, money(line.unit_price_cents),
      line.price_changed ? h('small', {class: 'price-note'}, ` (now ${money(line.current_unit_price_cents)})`) : ''),
    h('td', {}, h('label', {for: id, class: 'sr-only'}, `Quantity of ${line.name}`), qty),
    h('td', {class: 'num'}, money(line.line_total_cents)),
    h('td', {}, h('button', {class: 'btn btn-ghost btn-sm', type: 'button', disabled: busy, 'aria-label': `Remove ${line.name}`,
      onclick: () => onChange(() => removeLine(line.product_id))}, 'Remove')));
}

// #/cart
export async function cartView(main) {
  clear(main).append(heading('Your cart'), loading('Loading your cart…'));
  let cart;
  try {
    cart = await loadCart();
  } catch (err) {
    clear(main).append(heading('Your cart'), errorBox(err, () => cartView(main)));
    return;
  }
  // The saved addresses to ship to (the default chosen), or a new one.
  let addresses = [];
  try {
    addresses = (await get('/api/auth/me/addresses')).items || [];
  } catch {
    // checkout still works with an address typed in
  }
  let choice = (addresses.find((a) => a.is_default) || addresses[0] || {id: 'new'}).id;
  const newAddress = h('div', {class: 'new-address'}, addressFields('ship-'));
  const message = h('div', {class: 'form-message', role: 'alert'});
  let busy = false;

  const shippingBox = () => {
    newAddress.hidden = choice !== 'new';
    const radio = (value, label) => h('label', {class: 'radio'},
      h('input', {type: 'radio', name: 'ship_to', value, checked: choice === value,
        onchange: () => { choice = value; newAddress.hidden = choice !== 'new'; }}), ' ', label);
    return h('fieldset', {class: 'shipping'}, h('legend', {}, 'Ship to'),
      addresses.map((a) => radio(a.id, addressText(a))), radio('new', 'A new address'), newAddress);
  };
  const shipping = () => {
    if (choice !== 'new') return {shipping_address_id: choice};
    const a = readAddress(newAddress, 'ship-');
    if (!Object.values(a).some(Boolean)) return undefined;  // none given: the order has no address
    if (!a.line2) delete a.line2;
    if (!a.phone) delete a.phone;
    return {shipping_address: a};
  };

  const render = () => {
    clear(main).append(heading('Your cart'));
    if (!cart.items.length) {
      main.append(empty('Your cart is empty.', h('a', {class: 'btn btn-primary', href: '#/'}, 'Browse products')));
      return;
    }
    const count = cart.items.reduce((n, i) => n + i.quantity, 0);
    const change = async (action) => {
      busy = true;
      formMessage(message, null);
      try {
        cart = await action();
      } catch (err) {
        formMessage(message, err);
      }
      busy = false;
      render();
    };
    const pay = h('button', {class: 'btn btn-primary btn-lg', type: 'button', disabled: busy}, 'Check out');
    pay.addEventListener('click', async () => {
      busy = true;
      pay.disabled = true;
      pay.textContent = 'Placing your order…';
      formMessage(message, null);
      const lines = cart.items;
      try {
        const answer = await checkout(shipping());
        const id = answer && answer.order ? answer.order.id : String(answer && answer.stream || '').replace(/^order-/, '');
        toast('Order placed. Your items are reserved for 15 minutes.', {kind: 'success'});
        go(`/pay/${id}`);
      } catch (err) {
        busy = false;
        pay.disabled = false;
        pay.textContent = 'Check out';
        if (err.code === 'price_changed') {
          // The cart now holds the new prices: show them before the next try.
          try {
            cart = await loadCart();
          } catch {
            // keep the cart shown; the message says what changed
          }
          render();
        }
        formMessage(message, describeLineErrors(err, lines));
        message.focus();
      }
    });
    main.append(
      h('div', {class: 'cart-layout'},
        h('div', {class: 'card table-card'},
          h('table', {class: 'table cart-table'},
            h('caption', {class: 'sr-only'}, 'Products in your cart'),
            h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Product'), h('th', {scope: 'col', class: 'num'}, 'Price'), h('th', {scope: 'col'}, 'Quantity'), h('th', {scope: 'col', class: 'num'}, 'Total'), h('th', {scope: 'col'}, h('span', {class: 'sr-only'}, 'Actions')))),
            h('tbody', {}, cart.items.map((l) => lineRow(l, change, busy))))),
        h('aside', {class: 'card summary', 'aria-label': 'Order summary'},
          h('h2', {}, 'Summary'),
          h('dl', {class: 'totals'},
            h('dt', {}, plural(count, 'item', 'items')), h('dd', {}, money(cart.total_cents)),
            h('dt', {}, 'Shipping'), h('dd', {}, 'Free'),
            h('dt', {class: 'total'}, 'Total'), h('dd', {class: 'total', 'data-total': cart.total_cents}, money(cart.total_cents))),
          shippingBox(), message, pay,
          h('button', {class: 'btn btn-ghost', type: 'button', disabled: busy, onclick: () => change(emptyCart)}, 'Empty cart'))));
    message.setAttribute('tabindex', '-1');
  };
  render();
}
