// Charts as inline SVG, no library: a column chart, a line chart and
// horizontal bars. Each has a text alternative (role="img" + aria-label,
// and a <title> per mark for pointer users).
import {h, s} from './dom.js';

const W = 640;
const H = 240;
const PAD = {top: 16, right: 12, bottom: 34, left: 64};

// A "nice" top for the axis: 1, 2 or 5 times a power of ten.
function niceMax(max) {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

function frame(points, {format, label, integer}) {
  let max = niceMax(Math.max(0, ...points.map((p) => p.value)));
  // Counts get whole-number ticks: four steps of a whole size.
  if (integer) max = Math.max(4, Math.ceil(max / 4) * 4);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const svg = s('svg', {class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label});
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    const y = PAD.top + plotH - (plotH * i) / 4;
    svg.append(s('line', {x1: PAD.left, x2: W - PAD.right, y1: y, y2: y, class: 'grid-line'}),
      s('text', {x: PAD.left - 8, y: y + 4, 'text-anchor': 'end', class: 'axis-label'}, format(Math.round(v))));
  }
  const step = plotW / Math.max(1, points.length);
  // Label at most ~10 days so they never overlap.
  const every = Math.max(1, Math.ceil(points.length / 10));
  points.forEach((p, i) => {
    if (i % every === 0) {
      svg.append(s('text', {x: PAD.left + step * (i + 0.5), y: H - 12, 'text-anchor': 'middle', class: 'axis-label'}, p.label));
    }
  });
  return {svg, max, plotW, plotH, step};
}

export function columnChart(points, {format = String, label = 'Chart', integer = false} = {}) {
  if (!points.length) return h('p', {class: 'state state-empty chart-empty'}, 'No data yet.');
  const {svg, max, plotH, step} = frame(points, {format, label, integer});
  const bw = Math.max(4, Math.min(48, step * 0.62));
  points.forEach((p, i) => {
    const bh = (plotH * p.value) / max;
    svg.append(s('rect', {x: PAD.left + step * (i + 0.5) - bw / 2, y: PAD.top + plotH - bh, width: bw, height: Math.max(0, bh), rx: 4, class: 'bar'},
      s('title', {}, `${p.label}: ${format(p.value)}`)));
  });
  return svg;
}

export function lineChart(points, {format = String, label = 'Chart', integer = false} = {}) {
  if (!points.length) return h('p', {class: 'state state-empty chart-empty'}, 'No data yet.');
  const {svg, max, plotH, step} = frame(points, {format, label, integer});
  const xy = points.map((p, i) => [PAD.left + step * (i + 0.5), PAD.top + plotH - (plotH * p.value) / max]);
  const base = PAD.top + plotH;
  const area = `M${xy[0][0]},${base} ${xy.map(([x, y]) => `L${x},${y}`).join(' ')} L${xy[xy.length - 1][0]},${base} Z`;
  svg.append(s('path', {d: area, class: 'area'}), s('polyline', {points: xy.map((p) => p.join(',')).join(' '), class: 'line'}));
  xy.forEach(([x, y], i) => svg.append(s('circle', {cx: x, cy: y, r: 4, class: 'dot'}, s('title', {}, `${points[i].label}: ${format(points[i].value)}`))));
  return svg;
}

// Rows of label, bar and value: for statuses and top lists.
export function barList(rows, {format = String, label = 'Chart', empty = 'Nothing yet.'} = {}) {
  if (!rows.length) return h('p', {class: 'state state-empty chart-empty'}, empty);
  const max = Math.max(1, ...rows.map((r) => r.value));
  return h('ul', {class: 'bar-list', 'aria-label': label}, rows.map((r) => {
    const fill = h('span', {class: `bar-fill ${r.className || ''}`});
    fill.style.width = `${Math.max(r.value > 0 ? 2 : 0, (100 * r.value) / max)}%`;
    return h('li', {},
      h('span', {class: 'bar-label'}, r.href ? h('a', {href: r.href}, r.label) : r.label),
      h('span', {class: 'bar-track', 'aria-hidden': 'true'}, fill),
      h('span', {class: 'bar-value'}, format(r.value)));
  }));
}
