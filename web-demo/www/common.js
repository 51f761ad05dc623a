// What the op modules share: figure data for plots.js (heat maps, line plots), the caption of a
// result checked against its CPU reference, and Measure bars from the package's timings.

/** A heat map figure. */
export function heat(title, rows, cols, values, palette, yLabel, xLabel, caption) {
  return { kind: 'heatmap', title, rows, cols, values: Array.from(values), palette, y_label: yLabel, x_label: xLabel, caption };
}

/** A line plot; `series` is [[name, values, dashed], ...]. */
export function lines(title, series, xLabel, caption) {
  return { kind: 'lines', title, series: series.map(([name, values, dashed]) => ({ name, values: Array.from(values), dashed })), x_label: xLabel, caption };
}

/** At most `max` points of `values` (every k-th): plots need no more points than pixels. */
export function decimate(values, max) {
  const step = Math.max(1, Math.ceil(values.length / Math.max(max, 1)));
  const out = [];
  for (let i = 0; i < values.length; i += step) out.push(values[i]);
  return out;
}

/** A figure caption's verdict on a GPU result (the package's `plan.check`): `rel L2 err E
 * within tolerance T`, or OVER in place of within (the page's e2e fails on any OVER). */
export function verdict(c) {
  return `rel L2 err ${c.rel_l2_err.toExponential(2)} ${c.pass ? 'within' : 'OVER'} tolerance ${c.tolerance.toExponential(2)}`;
}

/** `v` with an SI prefix and three significant digits, e.g. `12.3 MFLOP/s`. */
export function perSecond(v, unit) {
  const [scale, prefix] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']].find(([s]) => v >= s) ?? [1, ''];
  const x = v / scale;
  return `${x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2)} ${prefix}${unit}`;
}

/** `|a − b|` element by element, as f32 values for a heat map. */
export function absDiff(a, b) {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = Math.abs(a[i] - b[i]);
  return out;
}

/** Deterministic values in [-1, 1) (xorshift), for inputs whose look does not matter. */
export function noise(n, seed) {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s >>> 0) / 2 ** 31 - 1;
  }
  return out;
}

/** One Measure bar: `time()` resolves to a package Timing (whose `row` goes into the page's
 * report); the bar shows its median and rate (`flops` or `bytes` per second). Any error, GPU
 * validation errors included, becomes the bar's error text instead of a missing bar. */
export async function timedBar(op, label, rate, time) {
  try {
    const t = await time();
    const secs = t.median_ms * 1e-3;
    const shown = rate === 'bytes' ? perSecond(t.work.bytes / secs, 'B/s') : perSecond(t.work.flops / secs, 'FLOP/s');
    return { op, label, config: t.row.config, median_ms: t.median_ms, rate: shown, timing: t.source, row: t.row };
  } catch (e) {
    return { op, label, config: '', median_ms: 0, rate: '', timing: '', error: e instanceof Error ? e.message : String(e) };
  }
}

/** The dispatcher's pick for `options` as a picks-table row, or why it cannot run here. */
export function pickRow(k, op, kase, options, note) {
  const e = k.explain(op, options);
  if (e.error) return { case: kase, config: '', note: `not run: ${e.error}` };
  return { case: kase, config: e.config, note: note(e) };
}

/** Rows for the variants of `explain` this adapter cannot run, with the reason. */
export function unavailable(e, names) {
  return e.variants
    .filter((v) => !v.available && (!names || names.includes(v.variant)))
    .map((v) => ({ case: `${v.variant} variant`, config: '', note: `not picked: ${v.reason}` }));
}
