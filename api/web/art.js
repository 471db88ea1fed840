// The picture of a product without uploaded images (product_images.js
// shows those): a tile drawn from its category (the colour) and its name
// (the initials). The same product always looks the same.
import {s} from './dom.js';

function hash(text) {
  let x = 2166136261;
  for (const ch of String(text)) {
    x ^= ch.codePointAt(0);
    x = Math.imul(x, 16777619) >>> 0;
  }
  return x;
}

function initials(name) {
  const words = String(name).split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w));
  return words.slice(0, 2).map((w) => [...w][0].toUpperCase()).join('') || '?';
}

// Soft, distinct hues; a category keeps its colour.
const PALETTE = [
  ['#e0e7ff', '#a5b4fc', '#3730a3'], ['#dcfce7', '#86efac', '#166534'], ['#fef3c7', '#fcd34d', '#92400e'],
  ['#fce7f3', '#f9a8d4', '#9d174d'], ['#e0f2fe', '#7dd3fc', '#075985'], ['#ede9fe', '#c4b5fd', '#5b21b6'],
  ['#ffedd5', '#fdba74', '#9a3412'], ['#ccfbf1', '#5eead4', '#115e59'],
];

export function productArt(product, {size = 'tile'} = {}) {
  const [bg, shape, ink] = PALETTE[hash(product.category || 'misc') % PALETTE.length];
  const turn = hash(product.name) % 5;
  return s('svg', {class: `art art-${size}`, viewBox: '0 0 160 110', role: 'img', 'aria-label': `${product.name}, ${product.category}`, preserveAspectRatio: 'xMidYMid slice'},
    s('rect', {width: 160, height: 110, fill: bg}),
    s('circle', {cx: 20 + turn * 30, cy: 18 + turn * 4, r: 42, fill: shape, opacity: 0.45}),
    s('rect', {x: 100 - turn * 12, y: 62, width: 90, height: 90, rx: 18, fill: shape, opacity: 0.35, transform: `rotate(${turn * 9 - 18} 140 100)`}),
    s('text', {x: 80, y: 68, 'text-anchor': 'middle', 'font-size': 34, 'font-weight': 700, fill: ink, 'font-family': 'system-ui, sans-serif'}, initials(product.name)));
}
