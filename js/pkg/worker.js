// The package inside a Web Worker: the same calls as on the main thread, driven by messages.
//   const w = new Worker(new URL('wgkernels/worker.js', import.meta.url), { type: 'module' });
//   w.postMessage({ id: 1, op: 'gemm', options: { m: 2, n: 2, k: 3 }, args: [a, b] });
//   w.onmessage = (e) => e.data  // { id, result } or { id, error }
// `op` is a Kernels method that makes a plan (gemm, fft, rfft, fftn, dctLowpass, fftconv, attention; the plan is cached by
// its options and run with `args`), or `capabilities`, `verify` or `tune` (options: { op, shapes,
// quick, force }; progress is posted as { progress }), `tuneResults`, `importTuning` (args:
// [results]), `explain` (args: [op, planOptions]), `attentionMask` (options, args: [head]), `report` (args: [timings, options]) or
// `searchPatterns` (args: [q, k, v]). A plan message with `time: {warmup, iters}` times the
// cached plan instead of running it (-> a Timing, whose `row` feeds `report`); one with
// `check: [result, ...inputs]` checks a result against the CPU reference (-> {pass, rel_l2_err,
// ...}). Typed arrays come back as typed arrays; errors as their message. Plans cached before a
// `tune` keep their configuration.
// N:M sparse GEMM keeps its compressed operand in the worker, named by a handle:
//   { op: 'sparseCompress', options, args: [dense, prune] }  -> { sparse: id }
//   { op: 'sparseGemm', options, args: [{ sparse: id }, dense, { bias }?] }  -> C (or Y)
//   { op: 'sparseFree', args: [{ sparse: id }] }
import { Kernels } from './index.js';

let kernels = null;
const plans = new Map();
const sparse = new Map();
let nextSparse = 0;

function plan(op, options) {
  const key = `${op} ${JSON.stringify(options)}`;
  if (!plans.has(key)) plans.set(key, kernels[op](options));
  return plans.get(key);
}

function sparseOperand(handle) {
  const s = sparse.get(handle?.sparse);
  if (!s) throw new Error('unknown sparse operand: make one with sparseCompress first');
  return s;
}

async function handle({ op, options, args = [], time, check }) {
  kernels ??= await Kernels.create();
  if (op === 'capabilities') return kernels.capabilities;
  if (op === 'verify') {
    return kernels.verify(options?.op, (check) => self.postMessage({ progress: check }), options?.tier);
  }
  if (op === 'tune') {
    const { op: which, ...rest } = options ?? {};
    return kernels.tune(which, { ...rest, onProgress: (p) => self.postMessage({ progress: p }) });
  }
  if (op === 'tuneResults') return kernels.tuneResults();
  if (op === 'importTuning') return kernels.importTuning(args[0]);
  if (op === 'explain') return kernels.explain(args[0], args[1]);
  if (op === 'attentionMask') return kernels.attentionMask(options, args[0]);
  if (op === 'report') return kernels.report(args[0], args[1]);
  if (op === 'searchPatterns') return kernels.searchPatterns(args[0], args[1], args[2], options);
  if (op === 'sparseCompress') {
    const id = ++nextSparse;
    sparse.set(id, plan('sparseGemm', options).compress(args[0], args[1] === true));
    return { sparse: id };
  }
  if (op === 'sparseGemm') {
    const [h, ...rest] = args;
    if (time) return plan(op, options).time(sparseOperand(h), time);
    if (check) return plan(op, options).check(...check);
    return plan(op, options).run(sparseOperand(h), ...rest);
  }
  if (op === 'sparseFree') {
    sparseOperand(args[0]).free();
    sparse.delete(args[0].sparse);
    return true;
  }
  if (!['gemm', 'fft', 'rfft', 'fftn', 'dctLowpass', 'fftconv', 'attention'].includes(op)) throw new Error(`unknown op \`${op}\``);
  if (time) return plan(op, options).time(time);
  if (check) {
    if (op === 'rfft') throw new Error('rfft plans have no check');
    return plan(op, options).check(...check);
  }
  return plan(op, options).run(...args);
}

self.onmessage = async (e) => {
  const { id } = e.data;
  try {
    const result = await handle(e.data);
    const transfer = ArrayBuffer.isView(result) ? [result.buffer] : [];
    self.postMessage({ id, result }, transfer);
  } catch (err) {
    self.postMessage({ id, error: String(err && err.message ? err.message : err) });
  }
};
