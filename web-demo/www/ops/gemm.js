// GEMM on the page: the dispatcher's picks, a product of smooth inputs with its error against
// the f64 reference, and timings of square products.
import { int, intList, iters, choice } from '../controls.js';
import { heat, lines, decimate, verdict, absDiff, timedBar, pickRow, unavailable } from '../common.js';

// The configurations the See section can force (the package's `config` option, the serde form
// the tuner stores; `auto` = the dispatcher's pick). Forcing one the adapter or shape cannot run
// shows the library's error on the page.
const CONFIGS = {
  auto: undefined,
  'tiled 64x64x16 t4x8': { variant: 'tiled', bm: 64, bn: 64, bk: 16, tm: 4, tn: 8 },
  'tiled 32x32x16 t4x4': { variant: 'tiled', bm: 32, bn: 32, bk: 16, tm: 4, tn: 4 },
  'gemv wg128 rows4': { variant: 'gemv', wg: 128, rows: 4 },
};

/** Inputs whose product is a visible pattern: A's columns and B's rows are low-frequency
 * cosines, so C = Σ_l a_l b_lᵀ is a plaid of a few waves (random data would show only noise). */
function plaid(m, n, k) {
  const tau = 2 * Math.PI;
  const scale = 1 / Math.sqrt(k);
  // A multiplicative hash, wrapping as u32.
  const phase = (l, salt) => ((((Math.imul(l, 2654435761) >>> 0) + salt) >>> 0) % 1000) / 1000 * tau;
  const a = new Float32Array(m * k);
  for (let i = 0; i < m; i++) {
    for (let l = 0; l < k; l++) a[i * k + l] = Math.cos((tau * (1 + (l % 3)) * (i + 0.5)) / m + phase(l, 17)) * scale;
  }
  const b = new Float32Array(k * n);
  for (let l = 0; l < k; l++) {
    for (let j = 0; j < n; j++) b[l * n + j] = Math.cos((tau * (1 + (Math.floor(l / 3) % 3)) * (j + 0.5)) / n + phase(l, 91));
  }
  return [a, b];
}

export default {
  name: 'gemm',
  title: 'GEMM — C = A·B',

  picks(k) {
    const note = (e) => `${e.candidates} candidates (${e.variants.filter((v) => v.available).map((v) => v.variant).join(', ')}); ${e.source} pick`;
    const rows = [
      pickRow(k, 'gemm', 'f32 1024×1024×1024', { m: 1024, n: 1024, k: 1024 }, note),
      pickRow(k, 'gemm', 'f32 1024×1024×1024, both transposed', { m: 1024, n: 1024, k: 1024, transA: true, transB: true }, note),
      pickRow(k, 'gemm', 'f32 matrix × vector 4096×4096', { m: 4096, n: 1, k: 4096 }, note),
      pickRow(k, 'gemm', 'f32 row × matrix 4096×4096', { m: 1, n: 4096, k: 4096 }, note),
      pickRow(k, 'gemm', 'f16 1024×1024×1024', { m: 1024, n: 1024, k: 1024, dtype: 'f16' }, note),
    ];
    return rows.concat(unavailable(k.explain('gemm', { m: 1024, n: 1024, k: 1024 }), ['subgroup', 'coop']));
  },

  see: {
    controls: [
      int('m', 'M (rows)', '64', 1, 512, 'rows of A and C; up to 512 so the heat map stays readable'),
      int('n', 'N (columns)', '64', 1, 512, 'columns of B and C'),
      int('k', 'K (depth)', '48', 1, 4096, 'columns of A, rows of B: the reduction length'),
      choice('config', 'configuration', 'auto', Object.keys(CONFIGS), 'auto = the dispatcher\'s pick; the others force one configuration (an error says why it cannot run here)'),
    ],
    async run(k, p) {
      const { m, n } = p;
      const forced = CONFIGS[p.config];
      const plan = k.gemm({ m, n, k: p.k, config: forced });
      const [a, b] = plaid(m, n, p.k);
      const got = await plan.run(a, b);
      const c = plan.check(got, a, b);
      const row = Math.floor(m / 2);
      return [
        heat('A (smooth inputs)', m, p.k, a, 'diverging', 'row i', 'column l', `${m}×${p.k}`),
        heat('B', p.k, n, b, 'diverging', 'row l', 'column j', `${p.k}×${n}`),
        heat('C = A·B on the GPU', m, n, got, 'diverging', 'row i', 'column j', `${m}×${n}×${p.k}, ${forced ? 'forced' : 'dispatcher picked'} \`${plan.config}\``),
        heat('|GPU − CPU reference|', m, n, absDiff(got, c.reference), 'magnitude', 'row i', 'column j', `max abs err ${c.max_abs_err.toExponential(2)}; ${verdict(c)}`),
        lines(`Row ${row} of C`, [
          ['GPU', decimate(got.subarray(row * n, (row + 1) * n), 512), false],
          ['CPU reference (f64)', decimate(c.reference.subarray(row * n, (row + 1) * n), 512), true],
        ], 'column j', 'the two curves coincide to within f32 rounding'),
      ];
    },
  },

  measure: {
    controls: [
      intList('sizes', 'square sizes', '64, 128, 256', [1, 1024, 6], 'M = N = K for each run, comma-separated; up to 1024 so a software adapter finishes in seconds'),
      iters('5'),
    ],
    async run(k, p) {
      const bars = [];
      for (const s of p.sizes) {
        bars.push(await timedBar('gemm', `${s}³`, 'flops', () => k.gemm({ m: s, n: s, k: s }).time({ warmup: 2, iters: p.iters })));
      }
      return bars;
    },
  },
};
