// Short notices in a polite live region, so screen readers announce them
// without moving focus. Each stays 6 s (errors 10 s) or until dismissed;
// at most three show at once.
import {h} from './dom.js';

export function toast(message, {kind = 'info', title = ''} = {}) {
  const region = document.getElementById('toasts');
  if (!region) return;
  const close = h('button', {class: 'toast-close', type: 'button', 'aria-label': 'Dismiss'}, '×');
  const el = h('div', {class: `toast toast-${kind}`},
    h('div', {class: 'toast-body'}, title ? h('strong', {}, title) : null, h('span', {}, message)), close);
  const remove = () => el.remove();
  close.addEventListener('click', remove);
  region.append(el);
  // At most three at once: the oldest make way.
  while (region.children.length > 3) region.firstElementChild.remove();
  setTimeout(remove, kind === 'error' ? 10_000 : 6_000);
  return el;
}
