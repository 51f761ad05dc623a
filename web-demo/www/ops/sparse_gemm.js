// N:M sparse GEMM on the page: a weight pruned to 2:4 (or another N:M pattern) — the dense
// weight, which entries stay, the product of the compressed weight on the GPU and its error
// against the f64 reference — and timings of sparse against dense products of the same shape.
import { int, intList, iters, choice } from '../controls.js';
import { heat, verdict, absDiff, noise, timedBar, pickRow } from '../common.js';

const PATTERNS = ['2:4', '1:4', '4:8', '1:2', '2:8'];
const groupOf = (pattern) => Number(pattern.split(':')[1]);

export default {
  name: 'sparse_gemm',
  title: 'N:M sparse GEMM — Y = X·W_sᵀ with a 2:4 weight',

  picks(k) {
    const note = (e) => `${e.candidates} candidates on this device (${e.variants.filter((v) => v.available).map((v) => v.variant).join(', ')})`;
    return [
      pickRow(k, 'sparseGemm', 'f32 linear, 2:4, 256 tokens × 1024 out × 1024 in', { m: 1024, n: 256, k: 1024, pattern: '2:4', linear: true }, note),
      pickRow(k, 'sparseGemm', 'f32 linear, 2:4, one token (decode)', { m: 4096, n: 1, k: 4096, pattern: '2:4', linear: true }, note),
    ];
  },

  see: {
    controls: [
      int('out', 'out features', '16', 1, 256, 'rows of the weight W'),
      int('in', 'in features K', '32', 1, 512, 'columns of W; a multiple of the pattern\'s M'),
      int('tokens', 'tokens', '24', 1, 256, 'rows of X (and of Y)'),
      choice('pattern', 'N:M pattern', '2:4', PATTERNS, 'keep the N largest magnitudes of every M consecutive weights (density N/M)'),
    ],
    crossCheck(p) {
      const m = groupOf(p.pattern);
      return p.in % m === 0 ? null : ['in', `must be a multiple of M = ${m} (the groups run along K)`];
    },
    async run(k, p) {
      const [o, kk, t] = [p.out, p.in, p.tokens];
      const [n, m] = p.pattern.split(':').map(Number);
      const plan = k.sparseGemm({ m: o, n: t, k: kk, pattern: p.pattern, linear: true });
      const w = noise(o * kk, 42);
      const x = noise(t * kk, 43);
      const pruned = plan.prune(w);
      const y = await plan.run(plan.compress(pruned), x);
      const c = plan.check(y, pruned, x);
      const kept = Float32Array.from(pruned, (v) => (v !== 0 ? 1 : 0));
      return [
        heat('Dense weight W', o, kk, w, 'diverging', 'out feature', 'in feature', `${o}×${kk}, uniform in [−1, 1)`),
        heat(`${p.pattern} pattern: the weights kept`, o, kk, kept, 'mask', 'out feature', 'in feature',
          `in every group of ${m} columns the ${n} largest |w| stay (dark): ${(100 * n / m).toFixed(0)}% of the weights`),
        heat('Y = X·W_sᵀ on the GPU', t, o, y, 'diverging', 'token', 'out feature', `${t} tokens × ${o} outputs, \`${plan.config}\``),
        heat('|GPU − CPU reference|', t, o, absDiff(y, c.reference), 'magnitude', 'token', 'out feature', `max abs err ${c.max_abs_err.toExponential(1)}; ${verdict(c)}`),
      ];
    },
  },

  measure: {
    controls: [
      intList('sizes', 'square sizes', '128, 256, 384', [4, 2048, 5], 'tokens = out = in for each run; each is timed 2:4 sparse and dense'),
      iters('5'),
    ],
    crossCheck(p) {
      const s = p.sizes.find((v) => v % 4 !== 0);
      return s === undefined ? null : ['sizes', `${s} is not a multiple of 4 (2:4 groups run along K)`];
    },
    async run(k, p) {
      const bars = [];
      for (const s of p.sizes) {
        const options = { m: s, n: s, k: s, pattern: '2:4', linear: true };
        const sparse = await timedBar('sparse_gemm', `2:4 ${s}³`, 'flops', () => {
          const plan = k.sparseGemm(options);
          return plan.time(plan.compress(noise(s * s, 7), true), { warmup: 2, iters: p.iters });
        });
        bars.push(sparse);
        // The dense baseline's row as the native bench writes it: the sparse op's shape with
        // pattern `dense`, our dense GEMM's time and work.
        const dense = await timedBar('sparse_gemm', `dense ${s}³`, 'flops', async () => {
          const t = await k.gemm({ m: s, n: s, k: s }).time({ warmup: 2, iters: p.iters });
          const shape = sparse.row ? { ...sparse.row.shape, pattern: 'dense' } : { m: s, n: s, k: s, pattern: 'dense' };
          t.row = { ...t.row, op: 'sparse_gemm', shape, variant: `dense ${t.row.variant}`, config: `dense GEMM ${t.row.config}`, note: 'our dense GEMM on the same shape' };
          return t;
        });
        bars.push(dense);
      }
      return bars;
    },
  },
};
