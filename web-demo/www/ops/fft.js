// FFT on the page: the spectrum of a two-tone signal computed on the GPU (any length: powers of two
// run the Stockham passes, other lengths the mixed-radix kernel, Rader's or Bluestein's algorithm) against
// the f64 reference; a 2-D image's r2c spectrum and its DCT low-pass (the lowest k × k orthonormal
// DCT-II coefficients, and the image they rebuild through the DCT-III), each against its f64
// reference; and timings per transform length.
import { int, intList, iters } from '../controls.js';
import { heat, lines, decimate, verdict, timedBar, pickRow } from '../common.js';

/** `n` complex points: a sine at bin f1, a half-amplitude cosine at bin f2, a little noise. */
function twoTones(n, f1, f2) {
  const tau = 2 * Math.PI;
  const x = new Float32Array(2 * n);
  let s = 0x9e3779b9;
  for (let t = 0; t < n; t++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const r = (s >>> 0) / 2 ** 32 - 0.5;
    x[2 * t] = Math.sin((tau * f1 * t) / n) + 0.5 * Math.cos((tau * f2 * t) / n) + 0.2 * r;
  }
  return x;
}

/** A side × side test image: a bright disc, a dimmer bar and fine vertical stripes. */
function testImage(side) {
  const c = side / 2;
  const img = new Float32Array(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const disc = Math.hypot(x - 0.6 * c, y - 0.7 * c) < 0.35 * c ? 1 : 0;
      const bar = x > 1.1 * c && x < 1.6 * c && y > 0.3 * c && y < 1.7 * c ? 1 : 0;
      img[y * side + x] = disc + 0.5 * bar + 0.25 * Math.sin((2 * Math.PI * 6 * x) / side);
    }
  }
  return img;
}

/** The 2-D figures: the image, log |rfft2|, and the image rebuilt from its lowest k × k DCT-II
 * coefficients (the low-pass, then an orthonormal DCT-III of the zero-padded coefficients). */
async function see2d(k, side, keep) {
  const n = side;
  const img = testImage(n);
  const r2c = k.fftn({ shape: [n, n], transform: 'r2c' });
  const spec = await r2c.run(img);
  const specCheck = r2c.check(spec, img);
  const low = k.dctLowpass({ height: n, width: n, k: keep });
  const coef = await low.run(img);
  const coefCheck = low.check(coef, img);
  const padded = new Float32Array(n * n);
  for (let r = 0; r < keep; r++) for (let c = 0; c < keep; c++) padded[r * n + c] = coef[r * keep + c];
  const idct = k.fftn({ shape: [n, n], transform: 'dct3', norm: 'ortho' });
  const rebuilt = await idct.run(padded);
  const rebuiltCheck = idct.check(rebuilt, padded);
  const half = Math.floor(n / 2) + 1;
  // Rows shifted so that frequency 0 sits in the middle; log scale.
  const logmag = new Float32Array(n * half);
  for (let r = 0; r < n; r++) {
    const src = (r + Math.floor(n / 2)) % n;
    for (let c = 0; c < half; c++) {
      const at = 2 * (src * half + c);
      logmag[r * half + c] = Math.log10(1 + Math.hypot(spec[at], spec[at + 1]));
    }
  }
  let num = 0;
  let den = 0;
  for (let i = 0; i < img.length; i++) {
    num += (img[i] - rebuilt[i]) ** 2;
    den += img[i] ** 2;
  }
  return [
    heat(`Image ${side}×${side}`, n, n, img, 'diverging', 'row', 'column', 'a disc, a bar and fine stripes'),
    heat('log10(1 + |rfft2(image)|)', n, half, logmag, 'magnitude', 'row frequency (0 in the middle)', 'column frequency 0 … n/2',
      `r2c over both axes (\`fftn\`, \`${r2c.config}\`): ${verdict(specCheck)}`),
    heat(`Rebuilt from the lowest ${keep}×${keep} DCT-II coefficients`, n, n, rebuilt, 'diverging', 'row', 'column',
      `\`dctLowpass\` then DCT-III (ortho): coefficients ${verdict(coefCheck)}; image ${verdict(rebuiltCheck)}; ${(100 * num / den).toFixed(0)} % of the image's energy lost`),
  ];
}

export default {
  name: 'fft',
  title: 'FFT — X = F·x (complex, any length)',

  picks(k) {
    return [4096, 1 << 20, 1000, 1009].map((n) => pickRow(k, 'fft', `f32 complex, n = ${n}`, { n }, (e) => {
      const path = { bluestein: 'Bluestein (a power-of-two inner FFT)', mixed: 'mixed radix (prime factors ≤ 53, one or two dispatches)', rader: "Rader's algorithm (two transforms of n − 1 points in one dispatch)" }[e.variant] ?? e.variant;
      const others = e.variants.filter((v) => !v.available).map((v) => `${v.variant}: ${v.reason}`);
      return `${path}; ${e.candidates} candidates${others.length ? `; not here: ${others.join('; ')}` : ''}`;
    }));
  },

  see: {
    controls: [
      int('n', 'length n', '1000', 2, 65536, 'points of the transform; other lengths: mixed radix where every prime factor is ≤ 53, Rader for primes whose n − 1 is such a length, else Bluestein'),
      int('f1', 'tone 1 (bin)', '37', 0, 32768, 'frequency of the sine, in bins (cycles per n points)'),
      int('f2', 'tone 2 (bin)', '120', 0, 32768, 'frequency of the half-amplitude cosine, in bins'),
      int('side', 'image side', '64', 4, 256, 'rows and columns of the 2-D image (any size: other lengths run mixed radix or Bluestein)'),
      int('keep', 'DCT k', '8', 1, 256, 'lowest k × k DCT-II coefficients kept (at most the image side)'),
    ],
    crossCheck(p) {
      if (p.keep > p.side) return ['keep', `must be at most the image side ${p.side}`];
      const half = Math.floor(p.n / 2);
      for (const id of ['f1', 'f2']) if (p[id] > half) return [id, `must be at most n/2 = ${half} (higher bins alias)`];
      return null;
    },
    async run(k, p) {
      const { n } = p;
      const plan = k.fft({ n });
      const x = twoTones(n, p.f1, p.f2);
      const got = await plan.run(x);
      const c = plan.check(got, x);
      const mag = (v) => {
        const out = [];
        for (let i = 0; i <= n / 2; i++) out.push(Math.hypot(v[2 * i], v[2 * i + 1]));
        return out;
      };
      const re = x.filter((_, i) => i % 2 === 0);
      const path = { bluestein: 'Bluestein', mixed: 'mixed radix', rader: 'Rader' }[plan.variant] ?? 'Stockham';
      return [
        lines('Signal x (real part)', [['x', decimate(re, 512), false]], 'sample t', `${n} samples: a sine at bin ${p.f1}, a cosine at bin ${p.f2}, noise`),
        lines('|X_k| on the GPU and in f64 on the CPU', [
          ['GPU', decimate(mag(got), 512), false],
          ['reference (f64)', decimate(mag(c.reference), 512), true],
        ], 'frequency bin k (0 … n/2)', `${path}, \`${plan.config}\`; ${verdict(c)}`),
        ...(await see2d(k, p.side, p.keep)),
      ];
    },
  },

  measure: {
    controls: [
      intList('sizes', 'lengths n', '1024, 16384, 1000', [2, 1 << 22, 6], 'one run per length; batches fill at least 2^16 points per run'),
      iters('3'),
    ],
    async run(k, p) {
      const bars = [];
      for (const n of p.sizes) {
        const batch = Math.max(1, Math.floor((1 << 16) / n));
        bars.push(await timedBar('fft', `n=${n} ×${batch}`, 'flops', () => k.fft({ n, batch }).time({ warmup: 2, iters: p.iters })));
      }
      return bars;
    },
  },
};
