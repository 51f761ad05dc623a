// Block-sparse attention on the page: block masks of the patterns video and long-context models
// use (diagonal window, multi-diagonal frames, vertical stripes) as heat maps, the per-head
// plan the pattern search chooses on synthetic heads (run on the GPU, checked against the f64
// reference), and timings of dense against windowed attention.
import { int, intList, iters, choice } from '../controls.js';
import { heat, verdict, timedBar, pickRow } from '../common.js';

const SEE_DIM = 32;
const HEAD_KINDS = ['local', 'frame-periodic', 'every 16th key', 'uniform'];

/** Synthetic heads whose best patterns differ: local (slow rotary phases), frame-periodic,
 * attending every 16th key, and uniform; V deterministic noise. */
function syntheticHeads(heads, n, d, frame) {
  const tau = 2 * Math.PI;
  const q = new Float32Array(heads * n * d);
  const k = new Float32Array(q.length);
  for (let h = 0; h < heads; h++) {
    for (let t = 0; t < n; t++) {
      const at = (h * n + t) * d;
      for (let f = 0; f < d / 2; f++) {
        let qa = 0;
        let qb = 0;
        let ka = 0;
        let kb = 0;
        if (h % 4 === 0 || h % 4 === 1) {
          const w = h % 4 === 0 ? 0.6 / 1.3 ** f : (tau * (f + 1)) / frame;
          const [c, s] = [2.5 * Math.cos(w * t), 2.5 * Math.sin(w * t)];
          [qa, qb, ka, kb] = [c, s, c, s];
        } else if (h % 4 === 2) {
          ka = f === 0 && t % 16 === 0 ? 8 : 0;
          qa = f === 0 ? 8 : 0;
        }
        q[at + 2 * f] = qa;
        q[at + 2 * f + 1] = qb;
        k[at + 2 * f] = ka;
        k[at + 2 * f + 1] = kb;
      }
    }
  }
  let s = 0x853c49e6;
  const v = new Float32Array(q.length);
  for (let i = 0; i < v.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    v[i] = (s >>> 0) / 2 ** 31 - 1;
  }
  return [q, k, v];
}

function maskCaption(m) {
  return `${m.rows}×${m.cols} blocks of ${m.blockQ}×${m.blockKv}: ${m.full} full (dark), ${m.partial} partial, ${m.stripes} stripe keys (light: few pairs); ${(100 * m.density).toFixed(0)}% of pairs`;
}

/** The score modifiers of the Measure control, as attention options (the values the native
 * checks use: soft-cap 30, the standard ALiBi slopes, a sink per head, T5 buckets). */
function mods(which, heads) {
  const sinks = Array.from({ length: heads }, (_, h) => 1.3 * h - 1);
  const buckets = 32;
  const t5 = { buckets, maxDistance: 128, bidirectional: true, table: Array.from({ length: heads * buckets }, (_, x) => Math.sin((x * 7 + Math.floor(x / buckets) * 3) * 0.61)) };
  const all = { softcap: 30, alibi: 'standard', sinks, t5 };
  if (which === 'all') return all;
  return which === 'none' ? {} : { [which]: all[which] };
}

export default {
  name: 'attention',
  title: 'Block-sparse attention — softmax(QKᵀ/√d)·V over a block mask',

  picks(k) {
    const note = (e) => {
      const sg = e.variants.find((v) => v.variant === 'subgroup');
      return `mask blocks ${e.blocks[0]}×${e.blocks[1]}; ${e.variant} variant${sg && !sg.available ? ` (subgroup variant: ${sg.reason})` : ''}`;
    };
    return [
      pickRow(k, 'attention', 'f32 B=1 H=8 N=4096 d=64, masked', { batch: 1, heads: 8, n: 4096, headDim: 64 }, note),
      pickRow(k, 'attention', 'f32 decode: 1 query, 8 KV heads of 4096, GQA 4', { batch: 1, heads: 32, headsKv: 8, n: 1, kvLen: 4096, headDim: 128 }, note),
    ];
  },

  see: {
    controls: [
      int('n', 'tokens N', '512', 16, 2048, 'queries = keys; the search runs attention at this length on the GPU'),
      choice('block', 'mask block', '32', ['auto', '16', '32', '64', '128'], 'rows and keys per mask block (auto = the dispatcher\'s)'),
      int('window', 'diagonal ±W', '48', 0, 4096, 'half-width of the diagonal window, in keys'),
      int('frame', 'frame length', '128', 1, 4096, 'multi-diagonal: bands at ±k·frame (video frames)'),
      int('frames', 'frames ±k', '2', 1, 16, 'multi-diagonal: how many frames on each side'),
      int('band', 'band ±', '8', 0, 512, 'half-width of each multi-diagonal band and of the stripes\' diagonal'),
      int('stride', 'stripe stride', '64', 1, 4096, 'stripes: every stride-th key is seen by every query'),
      int('heads', 'heads in the plan', '4', 1, 8, 'synthetic heads for the per-head search (local, frame-periodic, stripes, uniform, repeating)'),
    ],
    crossCheck(p) {
      for (const id of ['window', 'frame', 'stride']) if (p[id] >= p.n) return [id, `must be below N = ${p.n}`];
      return null;
    },
    async run(k, p) {
      const { n, heads, band } = p;
      const blocks = p.block === 'auto' ? undefined : [Number(p.block), Number(p.block)];
      const call = { batch: 1, heads, n, headDim: SEE_DIM, blocks };
      const patterns = [
        ['Diagonal window', `window:${p.window}`, `|j − i| ≤ ${p.window}`],
        ['Multi-diagonal (video frames)', `frames:${p.frame}:${p.frames}:${band}`, `|j − i − k·${p.frame}| ≤ ${band}, |k| ≤ ${p.frames}`],
        ['Vertical stripes', `every:${p.stride}+window:${band}`, `every ${p.stride}th key, plus |j − i| ≤ ${band}`],
      ];
      const figs = [];
      for (const [title, pattern, rule] of patterns) {
        const m = k.attentionMask({ ...call, pattern });
        figs.push(heat(`${title}: ${rule}`, m.rows, m.cols, m.fill, 'mask', 'query block', 'key block', maskCaption(m)));
      }
      // The per-head plan: the search runs every candidate pattern on the GPU and keeps, per
      // head, the cheapest one close enough to dense attention.
      const [q, kk, v] = syntheticHeads(heads, n, SEE_DIM, p.frame);
      const r = await k.searchPatterns(q, kk, v, { ...call, frameLen: p.frame });
      const plan = k.attention({ ...call, pattern: r.patterns });
      const o = /** @type {Float32Array} */ (await plan.run(q, kk, v));
      const c = plan.check(o, q, kk, v);
      r.heads.forEach((choice, h) => {
        let caption = `built as ${HEAD_KINDS[h % 4]}: chose \`${choice.pattern}\`, error ${choice.err.toExponential(1)} vs dense, ${(100 * choice.density).toFixed(0)}% of the dense work`;
        if (h === 0) caption += `. Whole plan: predicted ${r.predicted_speedup.toFixed(1)}× faster than dense; ran on the GPU with \`${plan.config}\`, ${verdict(c)}`;
        const m = plan.mask(h);
        if (m) figs.push(heat(`Per-head plan: head ${h}`, m.rows, m.cols, m.fill, 'mask', 'query block', 'key block', caption));
      });
      return figs;
    },
  },

  measure: {
    controls: [
      intList('sizes', 'tokens N', '128, 256, 512', [16, 8192, 5], 'self-attention lengths; each is timed dense and with a ±64 window'),
      int('heads', 'heads', '4', 1, 32, 'heads (batch 1, Q·K head dim 64)'),
      int('dv', 'value head dim Dv', '64', 4, 256, 'head dim of V and O, a multiple of 4 (latent-attention models use Dv ≠ Dqk, e.g. 128 beside 192)'),
      choice('mods', 'score modifier', 'none', ['none', 'softcap', 'alibi', 'sinks', 't5', 'all'], 'FlexAttention-style score_mod on the same kernel: tanh soft-cap 30, ALiBi slopes, a sink logit per head, T5 buckets (32, max distance 128), or all'),
      iters('5'),
    ],
    crossCheck(p) {
      return p.dv % 4 === 0 ? null : ['dv', 'must be a multiple of 4'];
    },
    async run(k, p) {
      const bars = [];
      for (const n of p.sizes) {
        for (const windowed of [false, true]) {
          let label = `${windowed ? 'window ±64' : 'dense'} N=${n}`;
          if (p.dv !== 64) label += ` Dv=${p.dv}`;
          if (p.mods !== 'none') label += ` ${p.mods}`;
          const options = { batch: 1, heads: p.heads, n, headDim: 64, valueDim: p.dv, pattern: windowed ? 'window:64' : undefined, ...mods(p.mods, p.heads) };
          bars.push(await timedBar('attention', label, 'flops', () => k.attention(options).time({ warmup: 2, iters: p.iters })));
        }
      }
      return bars;
    },
  },
};
