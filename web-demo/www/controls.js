// Page controls (sizes, counts, densities, pattern parameters): declared by each op module,
// drawn by the page, and validated here so that a bad value gets a message next to its control
// before anything runs. Plain data in, plain data out: `controls.test.mjs` runs it under node.

/** A whole number in [min, max]. */
export const int = (id, label, dflt, min, max, help) => ({ id, label, default: dflt, help, kind: { type: 'int', min, max } });

/** The timed-runs control every Measure section has (id `iters`, 1 to 30). */
export const iters = (dflt) => int('iters', 'timed runs', dflt, 1, 30, 'the median of this many runs is shown');

/** A comma-separated list of whole numbers, each in [min, max], at most `maxLen` of them. */
export const intList = (id, label, dflt, [min, max, maxLen], help) => ({ id, label, default: dflt, help, kind: { type: 'int_list', min, max, maxLen } });

/** A real number in [min, max]. */
export const float = (id, label, dflt, min, max, help) => ({ id, label, default: dflt, help, kind: { type: 'float', min, max } });

/** One of a fixed set of words. */
export const choice = (id, label, dflt, options, help) => ({ id, label, default: dflt, help, kind: { type: 'choice', options } });

function parseInt_(raw, min, max) {
  if (raw === '') return { error: 'enter a whole number' };
  if (!/^\d+$/.test(raw)) return { error: `\`${raw}\` is not a whole number` };
  const v = Number(raw);
  if (v < min || v > max) return { error: `${v} is out of range: must be between ${min} and ${max}` };
  return { value: v };
}

/** Checks `raw` against control `c`: `{value}` or `{error}` (the message shown next to it). */
export function validate(c, raw) {
  raw = String(raw).trim();
  const k = c.kind;
  switch (k.type) {
    case 'int':
      return parseInt_(raw, k.min, k.max);
    case 'int_list': {
      const parts = raw.split(',').map((p) => p.trim());
      if (raw === '' || parts.some((p) => p === '')) return { error: 'give whole numbers separated by commas, e.g. 64, 128' };
      if (parts.length > k.maxLen) return { error: `at most ${k.maxLen} values (each one is a run)` };
      const values = [];
      for (const p of parts) {
        const r = parseInt_(p, k.min, k.max);
        if (r.error) return r;
        values.push(r.value);
      }
      return { value: values };
    }
    case 'float': {
      const v = raw === '' ? NaN : Number(raw);
      if (Number.isNaN(v)) return { error: `\`${raw}\` is not a number` };
      if (!Number.isFinite(v) || v < k.min || v > k.max) return { error: `must be between ${k.min} and ${k.max}` };
      return { value: v };
    }
    case 'choice':
      return k.options.includes(raw) ? { value: raw } : { error: `must be one of: ${k.options.join(', ')}` };
    default:
      return { error: `unknown control kind ${k.type}` };
  }
}

/** Validates every control of a section (missing values take the default): `{params}` or
 * `{control, error}` naming the first bad one. */
export function parse(controls, raw) {
  const params = {};
  for (const c of controls) {
    const r = validate(c, raw[c.id] ?? c.default);
    if (r.error) return { control: c.id, error: r.error };
    params[c.id] = r.value;
  }
  return { params };
}
