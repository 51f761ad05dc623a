// The example's checks: every op of the package on typed arrays and on GPU buffers, compared with
// values computed here in JavaScript (f64). Run by main.js on the page and by test-worker.js in a
// Web Worker; type-checked against the package's index.d.ts by `tsc` (checkJs).
// @ts-check

/** @typedef {import('wgkernels').Kernels} Kernels */

/** Deterministic values in [-1, 1). @param {number} n @param {number} seed */
export function rand(n, seed) {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Relative L2 error of `got` against `want`. @param {ArrayLike<number>} got @param {ArrayLike<number>} want */
export function relL2(got, want) {
  if (got.length !== want.length) throw new Error(`length ${got.length}, expected ${want.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    num += (got[i] - want[i]) ** 2;
    den += want[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}

/** f32 → IEEE half bits (round to nearest even), for f16 inputs. @param {Float32Array} x */
export function toHalf(x) {
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  const out = new Uint16Array(x.length);
  for (let i = 0; i < x.length; i++) {
    f[0] = x[i];
    const b = u[0];
    const sign = (b >>> 16) & 0x8000;
    const exp = ((b >>> 23) & 0xff) - 127 + 15;
    let mant = b & 0x7fffff;
    if (exp <= 0) {
      out[i] = sign; // our inputs are never this small: flush
      continue;
    }
    let h = sign | (exp << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h += 1;
    out[i] = h;
  }
  return out;
}

/** IEEE half bits → numbers. @param {Uint16Array} h */
export function fromHalf(h) {
  const out = new Float64Array(h.length);
  for (let i = 0; i < h.length; i++) {
    const s = h[i] & 0x8000 ? -1 : 1;
    const e = (h[i] >>> 10) & 0x1f;
    const m = h[i] & 0x3ff;
    out[i] = e === 0 ? s * m * 2 ** -24 : e === 31 ? s * Infinity : s * (1 + m / 1024) * 2 ** (e - 15);
  }
  return out;
}

/** C = alpha·op(A)·op(B) + beta·C in f64, row-major, batched.
 * @param {{m: number, n: number, k: number, batch?: number, transA?: boolean, transB?: boolean, alpha?: number, beta?: number}} d
 * @param {ArrayLike<number>} a @param {ArrayLike<number>} b @param {ArrayLike<number>} [c] */
export function gemmRef(d, a, b, c) {
  const { m, n, k } = d;
  const batch = d.batch ?? 1;
  const alpha = d.alpha ?? 1;
  const beta = d.beta ?? 0;
  const out = new Float64Array(batch * m * n);
  for (let p = 0; p < batch; p++) {
    const ao = p * m * k;
    const bo = p * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let l = 0; l < k; l++) {
          const av = d.transA ? a[ao + l * m + i] : a[ao + i * k + l];
          const bv = d.transB ? b[bo + j * k + l] : b[bo + l * n + j];
          s += av * bv;
        }
        const o = p * m * n + i * n + j;
        out[o] = alpha * s + (c ? beta * c[o] : 0);
      }
    }
  }
  return out;
}

/** Complex DFT of interleaved rows (inverse scaled by 1/n) in f64.
 * @param {ArrayLike<number>} x @param {number} n @param {number} batch @param {boolean} inverse */
export function dftRef(x, n, batch, inverse) {
  const out = new Float64Array(2 * n * batch);
  const sign = inverse ? 1 : -1;
  for (let r = 0; r < batch; r++) {
    for (let f = 0; f < n; f++) {
      let re = 0;
      let im = 0;
      for (let t = 0; t < n; t++) {
        const ang = (sign * 2 * Math.PI * ((f * t) % n)) / n;
        const xr = x[2 * (r * n + t)];
        const xi = x[2 * (r * n + t) + 1];
        re += xr * Math.cos(ang) - xi * Math.sin(ang);
        im += xr * Math.sin(ang) + xi * Math.cos(ang);
      }
      const s = inverse ? 1 / n : 1;
      out[2 * (r * n + f)] = re * s;
      out[2 * (r * n + f) + 1] = im * s;
    }
  }
  return out;
}

/** Real DFT: n reals per row → n/2+1 interleaved bins. @param {ArrayLike<number>} x @param {number} n @param {number} batch */
export function rdftRef(x, n, batch) {
  const bins = Math.floor(n / 2) + 1;
  const cx = new Float64Array(2 * n * batch);
  for (let i = 0; i < n * batch; i++) cx[2 * i] = x[i];
  const full = dftRef(cx, n, batch, false);
  const out = new Float64Array(2 * bins * batch);
  for (let r = 0; r < batch; r++) {
    for (let f = 0; f < bins; f++) {
      out[2 * (r * bins + f)] = full[2 * (r * n + f)];
      out[2 * (r * bins + f) + 1] = full[2 * (r * n + f) + 1];
    }
  }
  return out;
}

/** Direct long convolution over (batch, channels, length), causal or circular, with gates.
 * @param {{batch: number, channels: number, length: number, kernelLength: number, circular?: boolean}} d
 * @param {ArrayLike<number>} u @param {ArrayLike<number>} k
 * @param {ArrayLike<number>} [pre] @param {ArrayLike<number>} [post] */
export function convRef(d, u, k, pre, post) {
  const { batch, channels: h, length: l, kernelLength: lk } = d;
  const y = new Float64Array(batch * h * l);
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < h; c++) {
      const row = (b * h + c) * l;
      for (let t = 0; t < l; t++) {
        let s = 0;
        for (let j = 0; j < lk; j++) {
          let src = t - j;
          if (src < 0) {
            if (!d.circular) break;
            src += l;
          }
          const v = u[row + src] * (pre ? pre[row + src] : 1);
          s += k[c * lk + j] * v;
        }
        y[row + t] = s * (post ? post[row + t] : 1);
      }
    }
  }
  return y;
}

/** Whether query i attends key j under a pattern spec (the subset the example uses: full,
 * causal, window:W, window:L:R), bottom-right aligned like the library.
 * @param {string} spec @param {number} i @param {number} j @param {number} nq @param {number} nkv */
export function allows(spec, i, j, nq, nkv) {
  const ip = i + nkv - nq;
  const [name, a, b] = spec.split(':');
  if (name === 'full') return true;
  if (name === 'causal') return j <= ip;
  if (name === 'window') {
    const left = Number(a);
    const right = b === undefined ? left : Number(b);
    return j >= ip - left && j <= ip + right;
  }
  throw new Error(`the example's reference has no pattern \`${spec}\``);
}

/** Masked softmax attention in f64; returns O and the per-row LSE. Score modifiers as the
 * package defines them: soft-cap `c·tanh(s/c)`, then ALiBi `+ slope·(j − i)` (queries aligned to
 * the end of the keys), and a sink logit per head in the softmax's denominator.
 * @param {{batch: number, heads: number, headsKv?: number, n: number, kvLen?: number, headDim: number, valueDim?: number, pattern?: string | string[], softcap?: number, alibi?: number[] | 'standard', sinks?: number[]}} d
 * @param {ArrayLike<number>} q @param {ArrayLike<number>} k @param {ArrayLike<number>} v */
export function attentionRef(d, q, k, v) {
  const hkv = d.headsKv ?? d.heads;
  const nq = d.n;
  const nkv = d.kvLen ?? d.n;
  const hd = d.headDim;
  const dv = d.valueDim ?? hd;
  const scale = 1 / Math.sqrt(hd);
  const alibi = Array.isArray(d.alibi) ? d.alibi : undefined;
  const o = new Float64Array(d.batch * d.heads * nq * dv);
  const lse = new Float64Array(d.batch * d.heads * nq);
  for (let b = 0; b < d.batch; b++) {
    for (let h = 0; h < d.heads; h++) {
      const spec = Array.isArray(d.pattern) ? d.pattern[h] : d.pattern ?? 'full';
      const kh = Math.floor(h / (d.heads / hkv));
      const qo = (b * d.heads + h) * nq * hd;
      const ko = (b * hkv + kh) * nkv * hd;
      const oo = (b * d.heads + h) * nq * dv;
      const vo = (b * hkv + kh) * nkv * dv;
      for (let i = 0; i < nq; i++) {
        const s = [];
        for (let j = 0; j < nkv; j++) {
          if (!allows(spec, i, j, nq, nkv)) continue;
          let dot = 0;
          for (let x = 0; x < hd; x++) dot += q[qo + i * hd + x] * k[ko + j * hd + x];
          let sc = dot * scale;
          if (d.softcap) sc = d.softcap * Math.tanh(sc / d.softcap);
          if (alibi) sc += alibi[h] * (j - (i + nkv - nq));
          s.push([j, sc]);
        }
        const row = (b * d.heads + h) * nq + i;
        if (s.length === 0) {
          lse[row] = -Infinity;
          continue;
        }
        const sink = d.sinks ? d.sinks[h] : -Infinity;
        const mx = Math.max(sink, ...s.map((e) => e[1]));
        let sum = Math.exp(sink - mx);
        for (const e of s) sum += Math.exp(e[1] - mx);
        lse[row] = mx + Math.log(sum);
        for (const [j, sc] of s) {
          const p = Math.exp(sc - mx) / sum;
          for (let x = 0; x < dv; x++) o[oo + i * dv + x] += p * v[vo + j * dv + x];
        }
      }
    }
  }
  return { o, lse };
}

/** Counts `GPUBuffer.mapAsync` calls (readbacks) while `fn` runs.
 * @template T @param {() => Promise<T>} fn @returns {Promise<[T, number]>} */
export async function countMaps(fn) {
  const proto = /** @type {any} */ (GPUBuffer.prototype);
  const orig = proto.mapAsync;
  let n = 0;
  proto.mapAsync = function (/** @type {any[]} */ ...args) {
    n++;
    return orig.apply(this, args);
  };
  try {
    return [await fn(), n];
  } finally {
    proto.mapAsync = orig;
  }
}

/** Reads a buffer with the page's own WebGPU calls on `k.device` (no package code).
 * @param {GPUDevice} device @param {GPUBuffer} src @param {number} floats */
export async function readOwn(device, src, floats) {
  const bytes = floats * 4;
  const staging = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(src, 0, staging, 0, bytes);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange().slice(0));
  staging.unmap();
  staging.destroy();
  return out;
}

/** f32 tolerance of a result (rel L2): far above f32 rounding, far below any real bug. */
const F32_TOL = 1e-4;
/** f16 storage: inputs and outputs rounded to 11 bits. */
const F16_TOL = 1e-2;

/** @param {boolean} cond @param {string} msg */
function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

/** @param {string} what @param {ArrayLike<number>} got @param {ArrayLike<number>} want @param {number} tol */
function close(what, got, want, tol) {
  const e = relL2(got, want);
  check(e <= tol, `${what}: rel L2 error ${e.toExponential(2)} over ${tol}`);
  return e;
}

/** Expects `fn` to throw or reject with a message matching `re`.
 * @param {string} what @param {() => unknown} fn @param {RegExp} re */
async function rejects(what, fn, re) {
  try {
    await fn();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    check(e instanceof Error, `${what}: threw a ${typeof e}, not an Error`);
    check(re.test(msg), `${what}: message \`${msg}\` does not match ${re}`);
    return msg;
  }
  throw new Error(`${what}: did not fail`);
}

/**
 * Runs every check; `log(name, detail)` reports each passing one. Throws on the first failure.
 * @param {Kernels} k
 * @param {(name: string, detail: string) => void} log
 * @param {{ verify?: string, tune?: boolean }} [opts]
 * @returns {Promise<{ passed: string[], skipped: string[] }>}
 */
export async function runAll(k, log, opts = {}) {
  /** @type {string[]} */
  const passed = [];
  /** @type {string[]} */
  const skipped = [];
  /** @param {string} name @param {() => Promise<string>} fn */
  const t = async (name, fn) => {
    const t0 = performance.now();
    let detail;
    try {
      detail = await fn();
    } catch (e) {
      throw new Error(`${name}: ${e instanceof Error ? e.message : e}`);
    }
    passed.push(name);
    log(name, `${detail} (${(performance.now() - t0).toFixed(0)} ms)`);
  };

  const caps = k.capabilities;
  await t('capabilities', async () => {
    check(caps.limits.maxStorageBufferBindingSize >= 1 << 20, 'no storage binding limit');
    check(['gemm', 'fft', 'fftconv'].every((op) => caps.ops.includes(op)), `ops ${caps.ops}`);
    check(k.device instanceof GPUDevice, 'k.device is not a GPUDevice');
    return `backend ${caps.adapter.backend}, f16 ${caps.f16}`;
  });

  // Tuning first, while the only plan built is the one below: `k.tune()` measures the buckets of
  // the plans built so far, then keeps the winners for plans built afterwards. 32³ is its own
  // bucket's representative shape, so the winner applies to it as is.
  if (opts.tune) {
    await t('tune: the page\'s plans, progress, the winner used by a later plan', async () => {
      const d = { m: 32, n: 32, k: 32 };
      const before = k.gemm(d).config;
      /** @type {import('wgkernels').TuneProgress[]} */
      const events = [];
      const entries = await k.tune(undefined, { quick: true, onProgress: (p) => events.push(p) });
      check(entries.length === 1 && entries[0].op === 'gemm', `tuned ${JSON.stringify(entries.map((e) => [e.op, e.bucket]))}`);
      const e = entries[0];
      check(e.bucket.m === 32 && e.bucket.n === 32 && e.bucket.k === 32, `bucket ${JSON.stringify(e.bucket)}`);
      const n = e.candidates.length;
      check(events.length === n + 1 && events.every((p, i) => p.op === 'gemm' && p.done === i && p.total === n), `progress ${JSON.stringify(events)}`);
      check(events.slice(0, n).every((p, i) => p.label === e.candidates[i].label), 'progress labels are not the candidates');
      check(e.default_label === before, `default ${e.default_label}, the plan before tuning ran ${before}`);
      check(e.winner_label !== null && e.candidates.some((c) => c.status === 'ok'), `no winner: ${JSON.stringify(e.candidates)}`);
      const plan = k.gemm(d);
      check(plan.config === e.winner_label, `a plan built after tuning runs ${plan.config}, the winner is ${e.winner_label}`);
      const a = rand(d.m * d.k, 91);
      const b = rand(d.k * d.n, 92);
      const err = close('tuned plan', await plan.run(a, b), gemmRef(d, a, b), F32_TOL);
      // Kept for the page's lifetime: asked again (by shape), the stored entry comes back unmeasured.
      /** @type {import('wgkernels').TuneProgress[]} */
      const again = [];
      const same = await k.tune('gemm', { shapes: [d], onProgress: (p) => again.push(p) });
      check(again.length === 0 && same[0].tuned_at_unix === e.tuned_at_unix, 'a tuned bucket was measured again');
      const saved = k.tuneResults();
      check(saved.entries.some((x) => x.op === 'gemm' && x.winner_label === e.winner_label), 'tuneResults lacks the entry');
      check(saved.key.adapter.name === caps.adapter.name, 'tuneResults names another adapter');
      await rejects('shapes without an op', () => k.tune(undefined, { shapes: [d] }), /needs the op/);
      // Restored on a new instance (a later visit): its plans run the winner without tuning;
      // entries it already has win; another adapter's file is refused.
      const Ctor = /** @type {typeof import('wgkernels').Kernels} */ (k.constructor);
      const k2 = await Ctor.create({ tuning: saved });
      const restored = k2.gemm(d);
      check(restored.config === e.winner_label, `a plan after Kernels.create({tuning}) runs ${restored.config}, the winner is ${e.winner_label}`);
      const again2 = k2.importTuning(saved);
      check(again2.imported === 0 && again2.kept === saved.entries.length, `importTuning again: ${JSON.stringify(again2)}`);
      const k3 = await Ctor.create();
      const fresh = k3.importTuning(saved);
      check(fresh.imported === saved.entries.length && fresh.kept === 0, `importTuning on a fresh instance: ${JSON.stringify(fresh)}`);
      check(k3.gemm(d).config === e.winner_label, 'importTuning did not restore the winner');
      const foreign = { ...saved, key: { ...saved.key, adapter: { ...saved.key.adapter, name: 'another GPU', vendor: saved.key.adapter.vendor + 1 } } };
      await rejects('another adapter\'s tuning', () => k3.importTuning(foreign), /foreign/);
      await rejects('another format', () => k3.importTuning({ ...saved, format: 1 }), /stale/);
      k2.device.destroy();
      k3.device.destroy();
      const ok = e.candidates.filter((c) => c.status === 'ok').length;
      return `${n} candidates (${ok} timed, ${e.timing}), default ${e.default_label} ${e.default_ms?.toFixed(3)} ms → ${e.winner_label} ${e.winner_ms?.toFixed(3)} ms, err ${err.toExponential(1)}`;
    });
  }

  // GEMM on typed arrays: awkward shapes, transposes, batches, alpha/beta; one plan run twice.
  for (const d of [
    { m: 33, n: 17, k: 29 },
    { m: 1, n: 40, k: 7, transA: true },
    { m: 12, n: 5, k: 31, transB: true, batch: 3 },
    { m: 9, n: 11, k: 13, alpha: 0.5, beta: 2 },
  ]) {
    await t(`gemm f32 ${JSON.stringify(d)}`, async () => {
      const plan = k.gemm(d);
      const batch = d.batch ?? 1;
      const a = rand(batch * d.m * d.k, 1);
      const b = rand(batch * d.k * d.n, 2);
      const c = d.beta ? rand(batch * d.m * d.n, 3) : undefined;
      const want = gemmRef(d, a, b, c);
      const got = await plan.run(a, b, c);
      check(got instanceof Float32Array, 'result is not a Float32Array');
      const e = close('first run', got, want, F32_TOL);
      const a2 = rand(a.length, 7);
      close('second run of the same plan', await plan.run(a2, b, c), gemmRef(d, a2, b, c), F32_TOL);
      const config = plan.config;
      plan.free();
      return `${config} err ${e.toExponential(1)}`;
    });
  }
  if (caps.f16) {
    await t('gemm f16 (Uint16Array)', async () => {
      const d = { m: 20, n: 24, k: 35, dtype: /** @type {const} */ ('f16') };
      const a = toHalf(rand(d.m * d.k, 4));
      const b = toHalf(rand(d.k * d.n, 5));
      const got = await k.gemm(d).run(a, b);
      check(got instanceof Uint16Array, 'f16 result is not a Uint16Array');
      return `err ${close('f16', fromHalf(got), gemmRef(d, fromHalf(a), fromHalf(b)), F16_TOL).toExponential(1)}`;
    });
  } else {
    skipped.push('gemm f16: the adapter has no shader-f16');
  }

  // GEMM on GPU buffers: inputs uploaded once, the output read back by the page's own WebGPU
  // code on k.device.
  await t('gemm on GPUBuffers (read with the page\'s own mapAsync on k.device)', async () => {
    const d = { m: 31, n: 23, k: 19 };
    const a = rand(d.m * d.k, 8);
    const b = rand(d.k * d.n, 9);
    const ab = k.createBuffer(a);
    const bb = k.createBuffer(b);
    const cb = k.createBuffer(d.m * d.n * 4);
    const out = await k.gemm(d).run(ab, bb, cb);
    check(out === cb, 'run did not resolve to the output buffer');
    const e = close('own readback', await readOwn(k.device, cb, d.m * d.n), gemmRef(d, a, b), F32_TOL);
    close('k.read', await k.read(cb, 'f32', d.m * d.n), gemmRef(d, a, b), F32_TOL);
    for (const x of [ab, bb, cb]) k.destroyBuffer(x);
    return `err ${e.toExponential(1)}`;
  });

  // FFT: a power of two and a Bluestein length, forward and inverse, typed arrays.
  for (const [n, batch, inverse] of /** @type {[number, number, boolean][]} */ ([[64, 2, false], [12, 3, false], [45, 1, true]])) {
    await t(`fft n=${n} batch=${batch}${inverse ? ' inverse' : ''}`, async () => {
      const plan = k.fft({ n, batch, inverse });
      const x = rand(2 * n * batch, n);
      const got = await plan.run(x);
      check(got instanceof Float32Array, 'result is not a Float32Array');
      return `${plan.config} err ${close('fft', got, dftRef(x, n, batch, inverse), F32_TOL).toExponential(1)}`;
    });
  }
  await t('fft on GPUBuffers (output allocated by the plan)', async () => {
    const n = 100;
    const x = rand(2 * n, 11);
    const out = await k.fft({ n }).run(k.createBuffer(x));
    check(out instanceof GPUBuffer, 'result is not a GPUBuffer');
    return `err ${close('fft', await k.read(out), dftRef(x, n, 1, false), F32_TOL).toExponential(1)}`;
  });

  // rfft and irfft (round trip), odd and even lengths.
  for (const n of [10, 33]) {
    await t(`rfft n=${n} batch=2 and back`, async () => {
      const x = rand(2 * n, 20 + n);
      const spec = await k.rfft({ n, batch: 2 }).run(x);
      const e = close('rfft', spec, rdftRef(x, n, 2), F32_TOL);
      const back = await k.rfft({ n, batch: 2, inverse: true }).run(spec);
      close('irfft(rfft(x))', back, x, F32_TOL);
      return `err ${e.toExponential(1)}`;
    });
  }
  await t('rfft on GPUBuffers', async () => {
    const n = 64;
    const x = rand(n, 5);
    const ob = k.createBuffer((n / 2 + 1) * 2 * 4);
    await k.rfft({ n }).run(k.createBuffer(x), ob);
    return `err ${close('rfft', await k.read(ob), rdftRef(x, n, 1), F32_TOL).toExponential(1)}`;
  });

  // FFT convolution: causal, circular, gated; a prepared kernel reused.
  for (const d of [
    { batch: 2, channels: 3, length: 50, kernelLength: 7 },
    { batch: 1, channels: 2, length: 64, kernelLength: 64, circular: true },
    { batch: 1, channels: 4, length: 33, kernelLength: 33, preGate: true, postGate: true },
  ]) {
    await t(`fftconv ${JSON.stringify(d)}`, async () => {
      const plan = k.fftconv(d);
      const n = d.batch * d.channels * d.length;
      const u = rand(n, 31);
      const kk = rand(d.channels * d.kernelLength, 32);
      const pre = d.preGate ? rand(n, 33) : undefined;
      const post = d.postGate ? rand(n, 34) : undefined;
      const spec = plan.prepareKernel(kk);
      const got = await plan.run(u, spec, { preGate: pre, postGate: post });
      const e = close('fftconv', got, convRef(d, u, kk, pre, post), F32_TOL);
      const u2 = rand(n, 35);
      close('same kernel, new input', await plan.run(u2, spec, { preGate: pre, postGate: post }), convRef(d, u2, kk, pre, post), F32_TOL);
      spec.free();
      return `${plan.path} err ${e.toExponential(1)}`;
    });
  }

  // Each forced path of the FFT convolution, reported by `.path`, against the same reference;
  // a path the options rule out is the Rust error.
  await t('fftconv forced paths: fused, multipass, unfused', async () => {
    const d = { batch: 1, channels: 3, length: 40, kernelLength: 9 };
    const u = rand(d.channels * d.length, 36);
    const kk = rand(d.channels * d.kernelLength, 37);
    const want = convRef(d, u, kk, undefined, undefined);
    const errs = [];
    for (const path of /** @type {const} */ (['fused', 'multipass', 'unfused'])) {
      const plan = k.fftconv({ ...d, path });
      check(plan.path === path, `forced ${path}, ran ${plan.path}`);
      errs.push(`${path} ${close(path, await plan.run(u, plan.prepareKernel(kk)), want, F32_TOL).toExponential(1)}`);
    }
    await rejects('freqKeep on the fused path', async () => k.fftconv({ ...d, freqKeep: 0.5, path: 'fused' }), /multi-pass/);
    return errs.join(', ');
  });

  // Attention: dense, causal with GQA and the LSE (K/V longer than Q), per-head patterns.
  for (const d of [
    { batch: 1, heads: 2, n: 33, headDim: 16 },
    { batch: 2, heads: 2, headsKv: 1, n: 33, kvLen: 40, headDim: 8, pattern: 'causal', lse: true },
    { batch: 1, heads: 2, n: 50, headDim: 8, pattern: ['causal', 'window:4'] },
  ]) {
    await t(`attention ${JSON.stringify(d)}`, async () => {
      const plan = k.attention(d);
      const hkv = d.headsKv ?? d.heads;
      const q = rand(d.batch * d.heads * d.n * d.headDim, 51);
      const kk = rand(d.batch * hkv * (d.kvLen ?? d.n) * d.headDim, 52);
      const v = rand(kk.length, 53);
      const want = attentionRef(d, q, kk, v);
      const got = await plan.run(q, kk, v);
      let e;
      if (d.lse) {
        check(!(got instanceof Float32Array), 'lse plan returned a bare array');
        const r = /** @type {{o: Float32Array, lse: Float32Array}} */ (got);
        e = close('O', r.o, want.o, F32_TOL);
        close('LSE', r.lse, want.lse, F32_TOL);
      } else {
        e = close('O', /** @type {Float32Array} */ (got), want.o, F32_TOL);
      }
      return `${plan.config}, density ${plan.workDensity.toFixed(2)}, err ${e.toExponential(1)}`;
    });
  }
  // The pattern search → per-head plans. Head 0 sees random data (diffuse attention: only full
  // is close enough); head 1 has positional keys and queries = 10 × keys (a sharp diagonal: a
  // window is within epsilon, and at n = 256 it keeps about a third of the tiles). Every reported error is recomputed here from the f64 reference,
  // each head's choice re-derived from the scores, and the per-head plan checked.
  await t('searchPatterns → per-head attention plan', async () => {
    const d = { batch: 1, heads: 2, n: 256, headDim: 16 };
    const { n, headDim: hd } = d;
    const q = rand(2 * n * hd, 101);
    const kk = rand(2 * n * hd, 102);
    const v = rand(2 * n * hd, 103);
    for (let i = 0; i < n; i++) {
      for (let m = 0; m < hd / 2; m++) {
        const w = (2 * Math.PI * (m + 9)) / (2 * n);
        const at = (n + i) * hd + 2 * m;
        kk[at] = Math.cos(w * i);
        kk[at + 1] = Math.sin(w * i);
        q[at] = 10 * kk[at];
        q[at + 1] = 10 * kk[at + 1];
      }
    }
    const candidates = ['window:4', 'window:8', 'causal'];
    const r = await k.searchPatterns(q, kk, v, { ...d, candidates });
    const full = attentionRef(d, q, kk, v).o;
    /** @param {Float64Array} o @param {number} h */
    const headErr = (o, h) => {
      let num = 0;
      let den = 0;
      for (let x = h * n * hd; x < (h + 1) * n * hd; x++) {
        num += (o[x] - full[x]) ** 2;
        den += full[x] ** 2;
      }
      return num / den;
    };
    check(r.heads.length === 2 && r.patterns.length === 2, `result ${JSON.stringify(r.patterns)}`);
    // Candidates come back in the order tried, `full` first, each as its spec (window:2 is
    // window:2:2); the reference reads that spec, so the text is checked too.
    const tried = ['full', ...candidates];
    for (const h of [0, 1]) {
      const cs = r.heads[h].candidates;
      check(cs.length === tried.length, `head ${h}: ${cs.length} candidates`);
      for (const [i, c] of cs.entries()) {
        check(c.pattern.startsWith(tried[i]), `head ${h}: candidate ${i} is ${c.pattern}, tried ${tried[i]}`);
        const want = headErr(attentionRef({ ...d, pattern: c.pattern }, q, kk, v).o, h);
        check(Math.abs(c.err - want) <= 1e-6 + 1e-2 * want, `head ${h} ${c.pattern}: err ${c.err}, the reference's ${want}`);
        check((c.score === null) === (c.err > r.epsilon), `head ${h} ${c.pattern}: score ${c.score} with err ${c.err}`);
      }
    }
    for (const h of [0, 1]) {
      const ok = r.heads[h].candidates.filter((c) => c.score !== null);
      const best = ok.reduce((a, b) => (/** @type {number} */ (b.score) < /** @type {number} */ (a.score) ? b : a));
      check(r.heads[h].pattern === best.pattern && r.patterns[h] === best.pattern, `head ${h} chose ${r.heads[h].pattern}, the best score is ${best.pattern}`);
    }
    check(r.patterns[0] === 'full', `head 0 (diffuse) chose ${r.patterns[0]}`);
    check(r.patterns[1].startsWith('window:'), `head 1 (diagonal) chose ${r.patterns[1]}: ${JSON.stringify(r.heads[1].candidates)} (blocks ${r.block_q}×${r.block_kv})`);
    check(r.predicted_speedup > 1, `predicted speedup ${r.predicted_speedup}`);
    // The per-head plan from the search against the per-head reference.
    const plan = k.attention({ ...d, pattern: r.patterns });
    const e = close('per-head plan', /** @type {Float32Array} */ (await plan.run(q, kk, v)), attentionRef({ ...d, pattern: r.patterns }, q, kk, v).o, F32_TOL);
    await rejects('a pattern in the search options', () => k.searchPatterns(q, kk, v, /** @type {any} */ ({ ...d, pattern: 'causal' })), /not options of the search/);
    return `${r.patterns.join(', ')} (blocks ${r.block_q}×${r.block_kv}), density ${plan.workDensity.toFixed(2)}, predicted ×${r.predicted_speedup.toFixed(2)}, err ${e.toExponential(1)}`;
  });
  await t('attention on GPUBuffers (causal, with LSE)', async () => {
    const d = { batch: 1, heads: 2, n: 40, headDim: 16, pattern: 'causal', lse: true };
    const q = rand(d.heads * d.n * d.headDim, 61);
    const kk = rand(q.length, 62);
    const v = rand(q.length, 63);
    const ob = k.createBuffer(q.length * 4);
    const lb = k.createBuffer(d.heads * d.n * 4);
    const out = await k.attention(d).run(k.createBuffer(q), k.createBuffer(kk), k.createBuffer(v), ob, lb);
    check(out === ob, 'run did not resolve to O');
    const want = attentionRef(d, q, kk, v);
    close('LSE', await k.read(lb), want.lse, F32_TOL);
    return `err ${close('O', await k.read(ob), want.o, F32_TOL).toExponential(1)}`;
  });

  // N:M sparse GEMM: prune and compress, then C = A_s·B; the linear form with a bias.
  await t('sparseGemm 2:4 prune + compress, matmul and linear with bias', async () => {
    const d = { m: 12, n: 9, k: 16, pattern: '2:4' };
    const plan = k.sparseGemm(d);
    const a = rand(d.m * d.k, 71);
    const pruned = plan.prune(a);
    for (let g = 0; g < a.length; g += 4) {
      const kept = [0, 1, 2, 3].filter((j) => pruned[g + j] !== 0);
      check(kept.length <= 2 && kept.every((j) => pruned[g + j] === a[g + j]), `group ${g / 4} is not 2:4 of the input`);
      const dropped = Math.max(...[0, 1, 2, 3].filter((j) => pruned[g + j] === 0).map((j) => Math.abs(a[g + j])));
      check(kept.every((j) => Math.abs(a[g + j]) >= dropped), `group ${g / 4} dropped a larger value`);
    }
    const b = rand(d.k * d.n, 72);
    const sp = plan.compress(a, true);
    const e = close('matmul', await plan.run(sp, b), gemmRef(d, pruned, b), F32_TOL);
    await rejects('not 2:4 without prune', () => plan.compress(a), /2:4|N:M/);
    // The same plan on GPU buffers: B uploaded once, C allocated by the plan.
    const cb = await plan.run(sp, k.createBuffer(b));
    close('matmul on GPUBuffers', await k.read(cb), gemmRef(d, pruned, b), F32_TOL);
    // Linear: Y (n×m) = X (n×k) · W_sᵀ + bias.
    const lin = k.sparseGemm({ ...d, linear: true, bias: true });
    const x = rand(d.n * d.k, 73);
    const bias = rand(d.m, 74);
    const y = await lin.run(lin.compress(pruned), x, { bias });
    const want = gemmRef({ m: d.n, n: d.m, k: d.k, transB: true }, x, pruned);
    for (let i = 0; i < d.n; i++) for (let j = 0; j < d.m; j++) want[i * d.m + j] += bias[j];
    close('linear + bias', y, want, F32_TOL);
    return `${plan.config} err ${e.toExponential(1)}`;
  });

  // Timing on each plan's own operands: the requested sample count, and the work the native
  // bench counts (2·m·n·k for GEMM; the kept blocks' share of 4·B·H·N²·D for attention).
  await t('plan.time: gemm, fft, rfft, fftn, dctLowpass, fftconv, attention, sparseGemm', async () => {
    const g = { m: 33, n: 17, k: 29 };
    const tg = await k.gemm(g).time({ iters: 3 });
    check(tg.samples_ms.length === 3 && tg.median_ms > 0 && ['gpu', 'wall'].includes(tg.source), `gemm timing ${JSON.stringify(tg)}`);
    check(tg.work.flops === 2 * g.m * g.n * g.k, `gemm work ${JSON.stringify(tg.work)}`);
    const tf = await k.fft({ n: 64, batch: 2 }).time();
    check(tf.samples_ms.length === 5 && tf.work.bytes > 0, `fft timing ${JSON.stringify(tf)}`);
    const tc = await k.fftconv({ batch: 1, channels: 4, length: 33, kernelLength: 33, preGate: true, postGate: true }).time({ warmup: 0, iters: 2 });
    check(tc.samples_ms.length === 2 && tc.work.flops > 0, `fftconv timing ${JSON.stringify(tc)}`);
    const a = { batch: 1, heads: 2, n: 50, headDim: 8, pattern: ['causal', 'window:4'] };
    const ap = k.attention(a);
    const ta = await ap.time({ iters: 2 });
    const dense = 4 * a.heads * a.n * a.n * a.headDim;
    check(Math.abs(ta.work.flops - dense * ap.workDensity) <= 1e-9 * dense, `attention work ${ta.work.flops}, density ${ap.workDensity}`);
    const sd = { m: 12, n: 9, k: 16, pattern: '2:4' };
    const sp = k.sparseGemm(sd);
    const ts = await sp.time(sp.compress(rand(sd.m * sd.k, 75), true), { iters: 2 });
    check(ts.samples_ms.length === 2 && ts.work.flops > 0, `sparseGemm timing ${JSON.stringify(ts)}`);
    // The transforms' rows: the native bench's N-D work (r2c counts half a c2c: 2.5·N·log2 N).
    const tr = await k.rfft({ n: 64, batch: 3 }).time({ iters: 2 });
    check(tr.samples_ms.length === 2 && tr.work.flops === 2.5 * 64 * 6 * 3 && tr.row.op === 'fft', `rfft timing ${JSON.stringify(tr)}`);
    const tn = await k.fftn({ shape: [2, 16, 8], axes: [1, 2], transform: 'c2c' }).time({ iters: 2 });
    check(tn.work.flops === 5 * 128 * 7 * 2 && tn.row.variant === 'nd_c2c', `fftn timing ${JSON.stringify(tn)}`);
    const tl = await k.dctLowpass({ batch: 2, height: 16, width: 16, k: 4 }).time({ iters: 2 });
    check(tl.samples_ms.length === 2 && tl.work.bytes > 0 && tl.row.variant === 'dct_lowpass', `dctLowpass timing ${JSON.stringify(tl)}`);
    await rejects('an unknown timing option', () => k.fft({ n: 8 }).time(/** @type {any} */ ({ iter: 3 })), /unknown field `iter`/);
    return `gemm ${tg.median_ms.toFixed(3)} ms (${tg.source}), attention ${ta.median_ms.toFixed(3)} ms`;
  });

  // What a page shows beside a result: the variant each plan runs (and `explain` says without
  // building it), the result against the crate's f64 reference under its tolerance (`check`,
  // whose error is recomputed here), and timings gathered into a native bench report.
  await t('plan.variant, explain, check against the reference, report', async () => {
    const g = { m: 33, n: 17, k: 29 };
    const gp = k.gemm(g);
    const ex = k.explain('gemm', g);
    check(ex.variant === gp.variant && ex.config === gp.config, `explain ${ex.variant} ${ex.config}, the plan ${gp.variant} ${gp.config}`);
    // Every listed candidate can be forced by its serde form; the plan then runs that label.
    const listed = ex.variants.flatMap((v) => v.configs ?? []);
    check(listed.length === ex.candidates, `explain lists ${listed.length} of ${ex.candidates} candidates`);
    const last = listed[listed.length - 1];
    const forcedPlan = k.gemm({ ...g, config: last.config });
    check(forcedPlan.config === last.label, `forced ${last.label}, the plan runs ${forcedPlan.config}`);
    check(ex.variants.find((v) => v.variant === gp.variant)?.available === true, `the plan's variant is not available: ${JSON.stringify(ex.variants)}`);
    check(ex.variants.every((v) => v.available === (v.reason === null) && v.available === v.candidates > 0), `available/reason/candidates disagree: ${JSON.stringify(ex.variants)}`);
    check(ex.variants.find((v) => v.variant === 'gemv')?.reason?.includes('one output row') === true, 'gemv on a 33×17 product has no shape reason');
    const coop = /** @type {import('wgkernels').VariantAvailability} */ (ex.variants.find((v) => v.variant === 'coop'));
    if (!coop.available) check(/cooperative-matrix/.test(/** @type {string} */ (coop.reason)), `coop: ${coop.reason}`);
    if (!caps.f16) check(/f16|F16/.test(k.explain('gemm', { ...g, dtype: 'f16' }).error ?? ''), 'f16 without shader-f16 explains no error');
    const a = rand(g.m * g.k, 111);
    const b = rand(g.k * g.n, 112);
    const c = await gp.run(a, b);
    const cg = gp.check(c, a, b);
    check(cg.pass && cg.reference instanceof Float64Array && cg.reference.length === c.length, `gemm check ${JSON.stringify({ ...cg, reference: undefined })}`);
    check(Math.abs(cg.rel_l2_err - relL2(c, cg.reference)) <= 1e-12 + 1e-6 * cg.rel_l2_err, `rel L2 ${cg.rel_l2_err}, recomputed ${relL2(c, cg.reference)}`);
    check(relL2(cg.reference, gemmRef(g, a, b)) < 1e-12, 'the reference is not the product');
    const bad = c.slice();
    bad[5] += 1;
    check(!gp.check(bad, a, b).pass, 'a wrong result passed');
    await rejects('check with a wrong length', () => gp.check(c, a, b.subarray(1)), /B has/);
    // FFT (mixed radix: 45 = 3·3·5; Bluestein: 59; Rader: 61), convolution with gates,
    // attention with per-head patterns, sparse linear.
    const fp = k.fft({ n: 45, batch: 2, inverse: true });
    const fb = k.fft({ n: 59, batch: 2 });
    const fr = k.fft({ n: 61, batch: 3, inverse: true });
    check(fp.variant === 'mixed' && fb.variant === 'bluestein' && fr.variant === 'rader' && k.explain('fft', { n: 45 }).variant === 'mixed' && k.explain('fft', { n: 64 }).variant === k.fft({ n: 64 }).variant, `fft variants ${fp.variant} ${fb.variant} ${fr.variant}`);
    const x = rand(4 * 45, 113);
    const cf = fp.check(await fp.run(x), x);
    check(cf.pass && relL2(cf.reference, dftRef(x, 45, 2, true)) < 1e-12, `fft check ${cf.rel_l2_err} / ${cf.tolerance}`);
    const xb = rand(4 * 59, 114);
    const cb = fb.check(await fb.run(xb), xb);
    check(cb.pass && relL2(cb.reference, dftRef(xb, 59, 2, false)) < 1e-12, `bluestein check ${cb.rel_l2_err} / ${cb.tolerance}`);
    const xr = rand(6 * 61, 116);
    const cr = fr.check(await fr.run(xr), xr);
    check(cr.pass && relL2(cr.reference, dftRef(xr, 61, 3, true)) < 1e-12, `rader check ${cr.rel_l2_err} / ${cr.tolerance}`);
    const cd = { batch: 1, channels: 2, length: 40, kernelLength: 9, preGate: true };
    const cp = k.fftconv(cd);
    const ce = k.explain('fftconv', cd);
    check(cp.variant === ce.variant && cp.config === ce.config && cp.variant === cp.path, `fftconv ${cp.variant} ${cp.config}, explain ${ce.variant} ${ce.config}`);
    const long = k.explain('fftconv', { batch: 1, channels: 1, length: 1 << 16, kernelLength: 1 << 15 });
    const fused = long.variants.find((v) => v.variant === 'fused');
    check(fused?.available === false && /fused/.test(fused.reason ?? ''), `a long kernel on the fused path: ${JSON.stringify(fused)}`);
    const u = rand(2 * 40, 114);
    const kk = rand(2 * 9, 115);
    const pre = rand(2 * 40, 116);
    const cc = cp.check(await cp.run(u, kk, { preGate: pre }), u, kk, { preGate: pre });
    check(cc.pass && relL2(cc.reference, convRef(cd, u, kk, pre, undefined)) < 1e-9, `fftconv check ${cc.rel_l2_err}`);
    await rejects('check without the plan\'s gate', () => cp.check(u, u, kk), /gates/);
    const ad = { batch: 1, heads: 2, n: 50, headDim: 8, pattern: ['causal', 'window:4'], lse: true };
    const ap = k.attention(ad);
    check(k.explain('attention', ad).variant === ap.variant, 'attention explain and plan differ');
    const q = rand(2 * 50 * 8, 117);
    const kv = rand(q.length, 118);
    const ca = ap.check(await ap.run(q, kv, kv), q, kv, kv);
    check(ca.pass && relL2(ca.reference, attentionRef(ad, q, kv, kv).o) < 1e-6, `attention check ${ca.rel_l2_err}`);
    const sd = { m: 8, n: 6, k: 16, pattern: '2:4', linear: true, bias: true };
    const sp = k.sparseGemm(sd);
    check(k.explain('sparseGemm', sd).variant === sp.variant, 'sparseGemm explain and plan differ');
    const w = sp.prune(rand(sd.m * sd.k, 119));
    const xs = rand(sd.n * sd.k, 120);
    const bias = rand(sd.m, 121);
    const cs = sp.check(await sp.run(sp.compress(w), xs, { bias }), w, xs, { bias });
    check(cs.pass, `sparseGemm check ${cs.rel_l2_err} / ${cs.tolerance}`);
    await rejects('explain an unknown op', () => k.explain(/** @type {any} */ ('conv2d'), /** @type {any} */ ({})), /unknown op/);
    // Timings → a native report: one row each, the roofline filled in under measured peaks.
    const tg = await gp.time({ iters: 2 });
    const ta = await ap.time({ iters: 2 });
    check(tg.row.op === 'gemm' && tg.row.variant === gp.variant && tg.row.config === gp.config && tg.row.median_ms === tg.median_ms, `gemm row ${JSON.stringify(tg.row)}`);
    check(tg.row.shape.m === 33 && tg.row.config_source === 'default', `gemm row shape ${JSON.stringify(tg.row.shape)} source ${tg.row.config_source}`);
    check(ta.row.op === 'attention' && String(ta.row.shape.pattern).includes('|'), `attention row ${JSON.stringify(ta.row.shape)}`);
    const rep = await k.report([tg, ta.row]);
    check(rep.schema_version === 2 && rep.results.length === 2 && rep.peaks.fma_f32_gflops > 0 && rep.peaks.copy_gbps > 0, `report ${JSON.stringify({ ...rep, results: rep.results.length })}`);
    check((rep.results[0].pct_of_roof ?? 0) > 0 && rep.scores.ops.some((o) => o.op === 'gemm'), `report row ${JSON.stringify(rep.results[0])}`);
    check(rep.adapter.name !== '' && rep.system !== undefined && rep.system.wgpu_version !== '', `report adapter ${JSON.stringify(rep.adapter)} system ${JSON.stringify(rep.system)}`);
    await rejects('a report of something else', () => k.report([/** @type {any} */ ({ median: 1 })]), /not a timing or a row/);
    return `gemm ${gp.variant} (${ex.variants.filter((v) => !v.available).map((v) => v.variant).join(', ')} unavailable), checks ${cg.rel_l2_err.toExponential(1)}/${cg.tolerance.toExponential(1)}, report: ${rep.results.length} rows, peaks ${rep.peaks.fma_f32_gflops.toFixed(1)} GFLOP/s`;
  });

  // A configuration forced by the tuner's serde form instead of the dispatcher's pick: it runs
  // (and is labelled) as given, its timing row says `explicit`; one the shape cannot run is the
  // library's error.
  await t('forced config', async () => {
    const d = { m: 40, n: 64, k: 48 };
    const plan = k.gemm({ ...d, config: { variant: 'tiled', bm: 32, bn: 32, bk: 16, tm: 4, tn: 4 } });
    check(plan.config === 'tiled 32x32x16 t4x4' && plan.variant === 'tiled', `forced tiled ran ${plan.config}`);
    const a = rand(d.m * d.k, 151);
    const b = rand(d.k * d.n, 152);
    const e = close('forced tiled', await plan.run(a, b), gemmRef(d, a, b), F32_TOL);
    const tm = await plan.time({ iters: 1 });
    check(tm.row.config_source === 'explicit', `row source ${tm.row.config_source}`);
    const msg = await rejects('gemv on a 40×64 product', () => k.gemm({ ...d, config: { variant: 'gemv', wg: 128, rows: 4 } }), /cannot run 40x64x48/);
    await rejects('a config of another op', () => k.gemm({ ...d, config: { variant: 'stockham' } }), /config/);
    return `err ${e.toExponential(1)}; "${msg}"`;
  });

  // Attention's other options: a value head dim of its own, forced mask blocks (and the mask
  // as a page draws it, with or without a plan), and score modifiers, each against this file's
  // reference and the package's check.
  await t('attention valueDim, blocks + mask, softcap/alibi/sinks/t5', async () => {
    const d = { batch: 1, heads: 2, n: 40, headDim: 8, valueDim: 12, pattern: 'window:5', blocks: /** @type {[number, number]} */ ([16, 16]) };
    const plan = k.attention(d);
    const q = rand(2 * 40 * 8, 131);
    const kk = rand(q.length, 132);
    const v = rand(2 * 40 * 12, 133);
    const got = /** @type {Float32Array} */ (await plan.run(q, kk, v));
    check(got.length === 2 * 40 * 12, `O has ${got.length} values`);
    const e = close('valueDim + window', got, attentionRef(d, q, kk, v).o, F32_TOL);
    check(plan.check(got, q, kk, v).pass, 'check failed');
    const m = /** @type {import('wgkernels').MaskInfo} */ (plan.mask());
    check(m.blockQ === 16 && m.blockKv === 16 && m.rows === 3 && m.cols === 3 && m.fill.length === 9, `mask ${JSON.stringify({ ...m, fill: [...m.fill] })}`);
    // window:5 on 40 tokens in 16-blocks: the diagonal blocks and their neighbours, none far away.
    check(m.fill[0] > 0 && m.fill[2] === 0 && m.fill[6] === 0 && m.fill[4] > 0, `fill ${[...m.fill]}`);
    let pairs = 0;
    for (let i = 0; i < 40; i++) for (let j = 0; j < 40; j++) pairs += Math.abs(i - j) <= 5 ? 1 : 0;
    check(Math.abs(m.density - pairs / 1600) < 1e-9, `density ${m.density}, counted ${pairs / 1600}`);
    const same = /** @type {import('wgkernels').MaskInfo} */ (k.attentionMask(d));
    check(same.full === m.full && same.partial === m.partial && [...same.fill].every((x, i) => x === m.fill[i]), 'attentionMask differs from plan.mask');
    check(k.attentionMask({ batch: 1, heads: 1, n: 8, headDim: 8 }) === null, 'a dense mask is not null');
    const mods = { batch: 1, heads: 2, n: 24, headDim: 8, softcap: 2, alibi: [0.25, 0.0625], sinks: [0.5, -1] };
    const mp = k.attention(mods);
    const q2 = rand(2 * 24 * 8, 134);
    const k2 = rand(q2.length, 135);
    const v2 = rand(q2.length, 136);
    const o2 = /** @type {Float32Array} */ (await mp.run(q2, k2, v2));
    const e2 = close('softcap + alibi + sinks', o2, attentionRef(mods, q2, k2, v2).o, F32_TOL);
    const plain = attentionRef({ ...mods, softcap: undefined, alibi: undefined, sinks: undefined }, q2, k2, v2).o;
    check(relL2(o2, plain) > 10 * F32_TOL, 'the modifiers changed nothing');
    check(mp.check(o2, q2, k2, v2).pass, 'check with modifiers failed');
    const t5 = { batch: 1, heads: 2, n: 24, headDim: 8, t5: { buckets: 8, maxDistance: 16, bidirectional: true, table: Array.from({ length: 16 }, (_, i) => Math.sin(i)) } };
    const tp = k.attention(t5);
    const c5 = tp.check(/** @type {Float32Array} */ (await tp.run(q2, k2, v2)), q2, k2, v2);
    check(c5.pass && relL2(c5.reference, attentionRef({ batch: 1, heads: 2, n: 24, headDim: 8 }, q2, k2, v2).o) > 10 * F32_TOL, `t5 check ${c5.rel_l2_err}`);
    const std = k.attention({ ...mods, alibi: 'standard', sinks: undefined, softcap: undefined });
    check(std.check(/** @type {Float32Array} */ (await std.run(q2, k2, v2)), q2, k2, v2).pass, 'standard alibi check failed');
    await rejects('a named alibi other than standard', () => k.attention({ ...mods, alibi: /** @type {any} */ ('steep') }), /standard/);
    await rejects('modifiers in the search', () => k.searchPatterns(q2, k2, v2, /** @type {any} */ ({ ...mods })), /not options of the search/);
    return `valueDim err ${e.toExponential(1)}, mask ${m.full} full ${m.partial} partial, mods err ${e2.toExponential(1)}`;
  });

  // N-D transforms and the DCT low-pass: a 2-D r2c spectrum against a direct 2-D DFT here, a
  // dct2 → dct3 round trip (orthonormal: the identity), the low-pass against the dctn corner.
  await t('fftn (r2c, c2c, dct2/dct3) and dctLowpass', async () => {
    const [h, w] = [6, 10];
    const img = rand(h * w, 141);
    const r2c = k.fftn({ shape: [h, w], transform: 'r2c' });
    check(JSON.stringify(r2c.inShape) === `[${h},${w}]` && JSON.stringify(r2c.outShape) === `[${h},${w / 2 + 1}]`, `shapes ${r2c.inShape} → ${r2c.outShape}`);
    const spec = await r2c.run(img);
    const want = new Float64Array(h * (w / 2 + 1) * 2);
    for (let u = 0; u < h; u++) {
      for (let c = 0; c <= w / 2; c++) {
        let re = 0;
        let im = 0;
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            const a = -2 * Math.PI * ((u * y) / h + (c * x) / w);
            re += img[y * w + x] * Math.cos(a);
            im += img[y * w + x] * Math.sin(a);
          }
        }
        want[2 * (u * (w / 2 + 1) + c)] = re;
        want[2 * (u * (w / 2 + 1) + c) + 1] = im;
      }
    }
    const e = close('rfft2', spec, want, F32_TOL);
    check(r2c.check(spec, img).pass, 'r2c check failed');
    const inv = k.fftn({ shape: [h, w], transform: 'c2c', inverse: true, norm: 'ortho' });
    const z = rand(2 * h * w, 142);
    const back = await k.fftn({ shape: [h, w], transform: 'c2c', norm: 'ortho' }).run(await inv.run(z));
    close('fftn(ifftn(z)), ortho', back, z, F32_TOL);
    const dct = k.fftn({ shape: [h, w], transform: 'dct2', norm: 'ortho' });
    const coef = await dct.run(img);
    close('dct3(dct2(x)), ortho', await k.fftn({ shape: [h, w], transform: 'dct3', norm: 'ortho' }).run(coef), img, F32_TOL);
    const lp = k.dctLowpass({ height: h, width: w, k: 3 });
    const low = await lp.run(img);
    const corner = [];
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) corner.push(coef[r * w + c]);
    close('low-pass = the dctn corner', low, corner, F32_TOL);
    check(lp.check(low, img).pass, 'dctLowpass check failed');
    const gb = await r2c.run(k.createBuffer(img));
    close('r2c on GPUBuffers', await k.read(gb), want, F32_TOL);
    await rejects('inverse on a real transform', () => k.fftn({ shape: [4, 4], transform: 'dct2', inverse: true }), /inverse/);
    await rejects('an unknown transform', () => k.fftn({ shape: [4], transform: /** @type {any} */ ('dht') }), /unknown transform/);
    return `${r2c.config}, rfft2 err ${e.toExponential(1)}, low-pass ${lp.config}`;
  });

  // The chain the issue asks for: FFT convolution → GEMM on its output, all on GPU buffers,
  // one readback at the end (counted: every readback is a mapAsync).
  await t('chain on the GPU: fftconv → gemm, one mapAsync', async () => {
    const d = { batch: 1, channels: 8, length: 96, kernelLength: 16 };
    const u = rand(d.channels * d.length, 41);
    const kk = rand(d.channels * d.kernelLength, 42);
    const w = rand(d.length * 10, 43);
    const conv = k.fftconv(d);
    const mm = k.gemm({ m: d.channels, n: 10, k: d.length });
    const spec = conv.prepareKernel(kk);
    const ub = k.createBuffer(u);
    const wb = k.createBuffer(w);
    const cb = k.createBuffer(d.channels * 10 * 4);
    const [got, maps] = await countMaps(async () => {
      const yb = await conv.run(ub, spec, {});
      await mm.run(yb, wb, cb);
      return k.read(cb);
    });
    check(maps === 1, `${maps} mapAsync calls (expected the final read only)`);
    const want = gemmRef({ m: d.channels, n: 10, k: d.length }, convRef(d, u, kk), w);
    return `${maps} mapAsync, err ${close('chain', got, want, F32_TOL).toExponential(1)}`;
  });

  // Errors are JS Errors carrying the Rust error's message.
  await t('errors carry the library\'s message', async () => {
    const m1 = await rejects('zero-sized gemm', () => k.gemm({ m: 0, n: 2, k: 2 }), /zero|0/i);
    await rejects('unknown option', () => k.gemm(/** @type {any} */ ({ m: 2, n: 2, k: 2, tarnsA: true })), /unknown field `tarnsA`/);
    await rejects('wrong length', () => k.gemm({ m: 2, n: 2, k: 3 }).run(new Float32Array(5), new Float32Array(6)), /A/);
    await rejects('not a package buffer', () => k.fft({ n: 8 }).run(/** @type {any} */ ({})), /expected a Float32Array/);
    if (!caps.f16) await rejects('f16 without shader-f16', () => k.gemm({ m: 2, n: 2, k: 2, dtype: 'f16' }), /f16/);
    await rejects('bad pattern', () => k.attention({ batch: 1, heads: 1, n: 8, headDim: 8, pattern: 'window:x' }), /pattern `window:x`/);
    const m2 = await rejects('bad dtype', () => k.fft({ n: 8, dtype: /** @type {any} */ ('f64') }), /f64/);
    return `e.g. "${m1}"; "${m2}"`;
  });

  // Device loss: an event, then every call rejects with the library's error (on a second
  // instance, so this one stays usable).
  await t('device loss: onDeviceLost, then calls reject', async () => {
    /** @type {{reason: string, message: string}[]} */
    const events = [];
    const k2 = await /** @type {typeof import('wgkernels').Kernels} */ (k.constructor).create({ onDeviceLost: (e) => events.push(e) });
    const plan = k2.gemm({ m: 4, n: 4, k: 4 });
    const a = rand(16, 81);
    close('before the loss', await plan.run(a, a), gemmRef({ m: 4, n: 4, k: 4 }, a, a), F32_TOL);
    k2.device.destroy();
    await k2.device.lost;
    await new Promise((r) => setTimeout(r, 0));
    check(events.length === 1 && events[0].reason === 'destroyed', `events ${JSON.stringify(events)}`);
    const msg = await rejects('run after the loss', () => plan.run(a, a), /device lost/);
    await rejects('a new plan run after the loss', () => k2.fft({ n: 8 }).run(rand(16, 1)), /device lost/);
    return `"${msg}"`;
  });

  if (opts.verify) {
    const op = opts.verify;
    await t(`verify('${op}') with progress`, async () => {
      /** @type {import('wgkernels').Check[]} */
      const seen = [];
      const r = await k.verify(op, (c) => seen.push(c));
      check(r.pass, `verify failed: ${JSON.stringify(r.ops.map((o) => [o.op, o.error, o.checks.filter((c) => !c.pass)]))}`);
      check(seen.length > 0 && seen.length === r.ops[0].checks.length, `progress saw ${seen.length} checks`);
      return `${seen.length} checks passed`;
    });
  }
  return { passed, skipped };
}
