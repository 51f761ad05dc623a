// Generic renderers for the figure and bar data the op modules return (www/common.js builds it):
// heat maps (canvas), line plots and bar charts (SVG). No op-specific code lives here.

const SVG = 'http://www.w3.org/2000/svg';

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

function svg(tag, attrs = {}, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text != null) e.textContent = text;
  return e;
}

// Colour maps: value in [0, 1] (or [-1, 1] for diverging) -> [r, g, b].
const VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
function ramp(stops, t) {
  t = Math.min(1, Math.max(0, t));
  const x = t * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  return stops[i].map((c, j) => Math.round(c + (stops[i + 1][j] - c) * f));
}
const COLD = [[255, 255, 255], [146, 197, 222], [33, 102, 172], [5, 48, 97]];
const WARM = [[255, 255, 255], [244, 165, 130], [178, 24, 43], [103, 0, 31]];
const MASK = [[246, 248, 252], [31, 59, 115]];

function colour(palette, v, scale) {
  if (!Number.isFinite(v)) return [255, 0, 255];
  if (palette === 'diverging') {
    const t = scale > 0 ? v / scale : 0;
    return t < 0 ? ramp(COLD, -t) : ramp(WARM, t);
  }
  if (palette === 'mask') return ramp(MASK, scale > 0 ? v / scale : 0);
  return ramp(VIRIDIS, scale > 0 ? v / scale : 0);
}

function fmt(v) {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-2) return v.toExponential(1);
  return v.toFixed(a >= 100 ? 0 : 2);
}

export function heatmap(fig) {
  const { rows, cols, values, palette } = fig;
  let lo = Infinity, hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (!Number.isFinite(lo)) { lo = 0; hi = 0; }
  const scale = palette === 'diverging' ? Math.max(Math.abs(lo), Math.abs(hi)) : Math.max(hi, palette === 'mask' ? 1 : 0);
  const canvas = el('canvas');
  canvas.width = cols;
  canvas.height = rows;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(cols, rows);
  for (let i = 0; i < rows * cols; i++) {
    const [r, g, b] = colour(palette, values[i], scale);
    img.data.set([r, g, b, 255], 4 * i);
  }
  ctx.putImageData(img, 0, 0);
  // Fit into a 240 px box, whole-pixel cells where they fit.
  const box = 240;
  const cell = Math.max(1, Math.floor(box / Math.max(rows, cols))) || 1;
  let w = cols * cell, h = rows * cell;
  if (w > box || h > box) { const s = box / Math.max(w, h); w *= s; h *= s; }
  canvas.style.width = `${Math.round(w)}px`;
  canvas.style.height = `${Math.round(h)}px`;

  const bar = el('canvas');
  bar.width = 120; bar.height = 1;
  const bctx = bar.getContext('2d');
  const bimg = bctx.createImageData(120, 1);
  for (let x = 0; x < 120; x++) {
    const t = x / 119;
    const v = palette === 'diverging' ? (2 * t - 1) * scale : t * scale;
    bimg.data.set([...colour(palette, v, scale), 255], 4 * x);
  }
  bctx.putImageData(bimg, 0, 0);
  const lowText = palette === 'diverging' ? fmt(-scale) : '0';
  const grid = el('div', { class: 'heat' },
    el('div', { class: 'ylab', text: fig.y_label }),
    canvas,
    el('div', { class: 'xlab', text: fig.x_label }),
    el('div', { class: 'colorbar' }, el('span', { text: lowText }), bar, el('span', { text: fmt(scale) })));
  return el('div', { class: 'figure', 'data-kind': 'heatmap' },
    el('div', { class: 'title', text: fig.title }),
    grid,
    el('div', { class: 'caption', text: fig.caption }));
}

const SERIES_COLOURS = ['#2f5db8', '#d9822b', '#1d8a4b', '#8e44ad', '#c2332b'];

export function lines(fig) {
  const W = 520, H = 250, L = 48, R = 12, T = 12, B = 34;
  let lo = Infinity, hi = -Infinity, n = 0;
  for (const s of fig.series) {
    n = Math.max(n, s.values.length);
    for (const v of s.values) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  }
  if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
  if (hi === lo) { hi += 1; lo -= 1; }
  const pad = 0.06 * (hi - lo);
  lo -= pad; hi += pad;
  const x = (i) => L + (n > 1 ? (i / (n - 1)) : 0.5) * (W - L - R);
  const y = (v) => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);
  const root = svg('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}` });
  root.append(svg('rect', { x: L, y: T, width: W - L - R, height: H - T - B, fill: '#fff', stroke: '#cfd5df' }));
  for (const v of [lo + pad, (lo + hi) / 2, hi - pad]) {
    root.append(svg('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: '#eef0f4' }));
    root.append(svg('text', { x: L - 5, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 10, fill: '#5d6678' }, fmt(v)));
  }
  if (lo < 0 && hi > 0) root.append(svg('line', { x1: L, x2: W - R, y1: y(0), y2: y(0), stroke: '#b9c1cf' }));
  root.append(svg('text', { x: L, y: H - B + 14, 'font-size': 10, fill: '#5d6678' }, '0'));
  root.append(svg('text', { x: W - R, y: H - B + 14, 'font-size': 10, fill: '#5d6678', 'text-anchor': 'end' }, String(n - 1)));
  root.append(svg('text', { x: (L + W - R) / 2, y: H - 6, 'font-size': 11, fill: '#5d6678', 'text-anchor': 'middle' }, fig.x_label));
  fig.series.forEach((s, k) => {
    const pts = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    root.append(svg('polyline', {
      points: pts, fill: 'none', stroke: SERIES_COLOURS[k % SERIES_COLOURS.length],
      'stroke-width': s.dashed ? 2 : 2.5, 'stroke-dasharray': s.dashed ? '6 4' : 'none',
    }));
    const ly = T + 14 + 15 * k;
    root.append(svg('line', { x1: W - R - 150, x2: W - R - 128, y1: ly - 4, y2: ly - 4, stroke: SERIES_COLOURS[k % SERIES_COLOURS.length], 'stroke-width': 2.5, 'stroke-dasharray': s.dashed ? '6 4' : 'none' }));
    root.append(svg('text', { x: W - R - 122, y: ly, 'font-size': 11, fill: '#1d2330' }, s.name));
  });
  return el('div', { class: 'figure wide', 'data-kind': 'lines' },
    el('div', { class: 'title', text: fig.title }), root, el('div', { class: 'caption', text: fig.caption }));
}

export function figure(fig) {
  if (fig.kind === 'heatmap') return heatmap(fig);
  if (fig.kind === 'lines') return lines(fig);
  return el('div', { class: 'figure err', text: `unknown figure kind ${fig.kind}` });
}

// Horizontal bars: one per (op, size), length = median time, with the rate and how it was timed.
export function barChart(bars) {
  const rowH = 30, L = 150, W = 1080, labelW = 440;
  const H = bars.length * rowH + 30;
  const max = Math.max(1e-9, ...bars.filter((b) => !b.error).map((b) => b.median_ms));
  const scale = (W - L - labelW) / max;
  const root = svg('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: 'bars' });
  bars.forEach((b, i) => {
    const y0 = 6 + i * rowH;
    root.append(svg('text', { x: L - 10, y: y0 + 17, 'text-anchor': 'end', 'font-size': 12, fill: '#1d2330' }, b.label));
    if (b.error) {
      root.append(svg('text', { x: L, y: y0 + 17, 'font-size': 12, fill: '#c2332b' }, `error: ${b.error}`));
      return;
    }
    const w = Math.max(2, b.median_ms * scale);
    root.append(svg('rect', { x: L, y: y0 + 3, width: w, height: rowH - 10, rx: 3, fill: b.timing === 'gpu' ? '#2f5db8' : '#7d95c9' }));
    root.append(svg('text', { x: L + w + 8, y: y0 + 17, 'font-size': 12, fill: '#1d2330' },
      `${b.median_ms.toFixed(b.median_ms < 10 ? 3 : 1)} ms · ${b.rate} · ${b.timing === 'gpu' ? 'timestamps' : 'wall clock'} · ${b.config}`));
  });
  root.append(svg('line', { x1: L, x2: L, y1: 2, y2: H - 24, stroke: '#9aa2b1' }));
  root.append(svg('text', { x: L, y: H - 8, 'font-size': 11, fill: '#5d6678' }, 'median time per run (ms) — shorter is faster'));
  return root;
}
