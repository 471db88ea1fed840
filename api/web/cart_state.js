// The cart lives on the server (the cart API); this keeps the last answer
// so the header's count follows every change made from any view.
import {get, post, put, del} from './api.js';

let cart = null;
const listeners = new Set();

function set(next) {
  cart = next;
  for (const fn of listeners) fn(cart);
  return cart;
}

export const lastCart = () => cart;
export const itemCount = () => (cart ? cart.items.reduce((n, i) => n + i.quantity, 0) : 0);

export function onCart(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export const loadCart = async () => set(await get('/api/cart'));
export const addToCart = async (productId, quantity) => set(await post('/api/cart/items', {product_id: productId, quantity}));
export const setQuantity = async (productId, quantity) => set(await put(`/api/cart/items/${encodeURIComponent(productId)}`, {quantity}));
export const removeLine = async (productId) => set(await del(`/api/cart/items/${encodeURIComponent(productId)}`));

export async function emptyCart() {
  await del('/api/cart');
  return set({items: [], total_cents: 0});
}

// Checkout empties the cart on the server.
// shipping: {shipping_address_id} or {shipping_address} (or nothing).
export async function checkout(shipping = undefined) {
  const answer = await post('/api/cart/checkout', shipping);
  set({items: [], total_cents: 0});
  return answer;
}

export const forgetCart = () => set(null);
