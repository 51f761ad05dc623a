// FFT convolution on the page: a noisy pulse train filtered by a long kernel on the GPU (the
// input, the kernel and the output as plots, the output over the f64 reference), and timings
// of long convolutions (kernel as long as the sequence, as in Hyena-style layers).
import { int, intList, iters, float, choice } from '../controls.js';
import { lines, decimate, verdict, timedBar, pickRow } from '../common.js';

/** A square pulse train with a slow sine and deterministic noise of amplitude `amp`. */
function pulses(l, amp) {
  let s = 0x2545f491;
  const period = Math.max(2, Math.floor(l / 6));
  const u = new Float32Array(l);
  for (let t = 0; t < l; t++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const r = (s >>> 0) / 2 ** 32 - 0.5;
    u[t] = (t % period < period / 3 ? 1 : 0) + 0.3 * Math.sin((2 * Math.PI * t) / l) + 2 * amp * r;
  }
  return u;
}

/** The kernel called `kind`, `lk` taps, summing to 1 where it is a smoother. */
function kernel(kind, lk) {
  const k = new Float64Array(lk);
  for (let t = 0; t < lk; t++) {
    if (kind === 'gaussian') {
      const c = (lk - 1) / 2;
      const s = Math.max(lk / 6, 0.5);
      k[t] = Math.exp(-(((t - c) / s) ** 2) / 2);
    } else if (kind === 'echo') {
      k[t] = t === 0 ? 1 : t === Math.floor(lk / 2) ? 0.6 : t + 1 === lk && lk > 2 ? 0.3 : 0;
    } else {
      // decay: an exponential with a time constant of a quarter of the kernel.
      k[t] = Math.exp(-t / Math.max(lk / 4, 0.5));
    }
  }
  const sum = kind === 'echo' ? 1 : k.reduce((a, b) => a + b, 0);
  return Float32Array.from(k, (v) => v / sum);
}

export default {
  name: 'fftconv',
  title: 'FFT convolution — y = u ∗ k (long kernels)',

  // The geometry only (`explain`): building plans here would make the browser compile their
  // pipelines while the page loads (a minute per fused pipeline on a software adapter).
  picks(k) {
    return [[1, 16, 1024, 1024], [1, 16, 8192, 8192], [1, 4, 65536, 256]].map(([b, h, l, lk]) =>
      pickRow(k, 'fftconv', `f32 B=${b} H=${h} L=${l} Lk=${lk}`, { batch: b, channels: h, length: l, kernelLength: lk },
        (e) => `FFT geometry \`${e.fft}\`; paths here: ${e.variants.map((v) => `${v.variant} ${v.available ? 'yes' : `no (${v.reason})`}`).join(', ')}`));
  },

  see: {
    controls: [
      int('l', 'sequence L', '1024', 1, 16384, 'samples of the input u (and of the output y)'),
      int('lk', 'kernel Lk', '96', 1, 16384, 'taps of the kernel k; at most L'),
      choice('kernel', 'kernel', 'decay', ['decay', 'gaussian', 'echo'], 'decay = exponential smoother, gaussian = bump, echo = three taps (0, Lk/2, Lk−1)'),
      float('noise', 'noise', '0.3', 0, 2, 'amplitude of the noise added to the pulse train'),
      choice('mode', 'boundary', 'causal', ['causal', 'circular'], 'causal: zeros before t = 0; circular: u wraps around'),
    ],
    crossCheck(p) {
      return p.lk > p.l ? ['lk', `must be at most L = ${p.l}`] : null;
    },
    async run(k, p) {
      const circular = p.mode === 'circular';
      const plan = k.fftconv({ batch: 1, channels: 1, length: p.l, kernelLength: p.lk, circular });
      const u = pulses(p.l, p.noise);
      const kk = kernel(p.kernel, p.lk);
      const y = await plan.run(u, kk);
      const c = plan.check(y, u, kk);
      return [
        lines('Input u', [['u', decimate(u, 600), false]], 'sample t', `${p.l} samples: pulse train + slow sine + noise ${p.noise}`),
        lines('Kernel k', [['k', decimate(kk, 600), false]], 'tap s', `${p.kernel} kernel, ${p.lk} taps`),
        lines('Output y = u ∗ k', [
          ['GPU (FFT convolution)', decimate(y, 600), false],
          ['reference (f64, CPU)', decimate(c.reference, 600), true],
        ], 'sample t', `${circular ? 'circular' : 'causal'} \`${plan.config}\`; ${verdict(c)}`),
      ];
    },
  },

  measure: {
    controls: [
      intList('sizes', 'lengths L (= Lk)', '1024, 4096, 16384', [2, 1 << 20, 6], 'one run per length, kernel as long as the sequence'),
      int('channels', 'channels H', '4', 1, 256, 'independent channels, one kernel each (batch 1)'),
      iters('3'),
    ],
    async run(k, p) {
      const h = p.channels;
      const bars = [];
      for (const l of p.sizes) {
        bars.push(await timedBar('fftconv', `L=${l} H=${h}`, 'bytes', () =>
          k.fftconv({ batch: 1, channels: h, length: l, kernelLength: l }).time({ warmup: 2, iters: p.iters })));
      }
      return bars;
    },
  },
};
