// The example page: runs the checks (tests.js) on the main thread, then the same checks inside a
// Web Worker (test-worker.js), then the package's own worker example (worker.js) by messages.
// The outcome is in `window.wgkResult` for the browser test.
// @ts-check
import { Kernels } from 'wgkernels';
import { runAll, rand, gemmRef, dftRef, relL2 } from './tests.js';

const logEl = /** @type {HTMLElement} */ (document.getElementById('log'));
const statusEl = /** @type {HTMLElement} */ (document.getElementById('status'));
/** @param {string} where @param {string} name @param {string} detail */
const log = (where, name, detail) => {
  logEl.textContent += `[${where}] ok  ${name}: ${detail}\n`;
};

/** @type {any} */
const result = { done: false };
/** @type {any} */ (window).wgkResult = result;

/** Runs tests.js in a module worker; resolves to its summary. */
function inWorker() {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./test-worker.js', import.meta.url), { type: 'module' });
    w.onmessage = (e) => {
      if (e.data.log) log('worker', e.data.log[0], e.data.log[1]);
      else if (e.data.error) reject(new Error(e.data.error));
      else if (e.data.done) resolve(e.data.done);
    };
    w.onerror = (e) => reject(new Error(`worker: ${e.message}`));
  });
}

/** The package's worker example (dist/worker.js), driven by messages. */
async function packageWorker() {
  const w = new Worker('/dist/worker.js', { type: 'module' });
  let next = 0;
  /** @param {any} msg @returns {Promise<any>} */
  const call = (msg) =>
    new Promise((resolve, reject) => {
      const id = ++next;
      /** @param {MessageEvent} e */
      const on = (e) => {
        if (e.data.id !== id) return;
        w.removeEventListener('message', on);
        if (e.data.error) reject(new Error(e.data.error));
        else resolve(e.data.result);
      };
      w.addEventListener('message', on);
      w.postMessage({ id, ...msg });
    });
  const d = { m: 7, n: 9, k: 5 };
  const a = rand(35, 1);
  const b = rand(45, 2);
  const c = await call({ op: 'gemm', options: d, args: [a, b] });
  const e1 = relL2(c, gemmRef(d, a, b));
  if (!(c instanceof Float32Array) || e1 > 1e-4) throw new Error(`worker.js gemm: err ${e1}`);
  const x = rand(2 * 24, 3);
  const e2 = relL2(await call({ op: 'fft', options: { n: 24 }, args: [x] }), dftRef(x, 24, 1, false));
  if (e2 > 1e-4) throw new Error(`worker.js fft: err ${e2}`);
  // N:M sparse GEMM: compress (pruning) once in the worker, run twice by handle, free.
  const sd = { m: 8, n: 5, k: 16, pattern: '2:4' };
  const sa = rand(sd.m * sd.k, 4);
  const sb = rand(sd.k * sd.n, 5);
  const h = await call({ op: 'sparseCompress', options: sd, args: [sa, true] });
  const pruned = sa.slice();
  for (let g = 0; g < pruned.length; g += 4) {
    const order = [0, 1, 2, 3].sort((i, j) => Math.abs(sa[g + j]) - Math.abs(sa[g + i]));
    pruned[g + order[2]] = 0;
    pruned[g + order[3]] = 0;
  }
  const e3 = relL2(await call({ op: 'sparseGemm', options: sd, args: [h, sb] }), gemmRef(sd, pruned, sb));
  const e4 = relL2(await call({ op: 'sparseGemm', options: sd, args: [h, sb] }), gemmRef(sd, pruned, sb));
  if (Math.max(e3, e4) > 1e-4) throw new Error(`worker.js sparseGemm: err ${e3}, ${e4}`);
  await call({ op: 'sparseFree', args: [h] });
  let gone = '';
  try {
    await call({ op: 'sparseGemm', options: sd, args: [h, sb] });
  } catch (e) {
    gone = e instanceof Error ? e.message : String(e);
  }
  if (!/unknown sparse operand/.test(gone)) throw new Error('worker.js: a freed sparse operand still ran');
  // Tuning by messages: progress arrives as { progress } messages, the result names the bucket.
  let progress = 0;
  /** @param {MessageEvent} e */
  const onProgress = (e) => {
    if (e.data.progress && e.data.progress.op === 'gemm') progress++;
  };
  w.addEventListener('message', onProgress);
  const td = { m: 16, n: 16, k: 16 };
  const [te] = await call({ op: 'tune', options: { op: 'gemm', shapes: [td], quick: true } });
  w.removeEventListener('message', onProgress);
  if (te.bucket.m !== 16 || progress !== te.candidates.length + 1) throw new Error(`worker.js tune: bucket ${JSON.stringify(te.bucket)}, ${progress} progress messages for ${te.candidates.length} candidates`);
  const saved = await call({ op: 'tuneResults' });
  if (!saved.entries.some((/** @type {any} */ x) => x.winner_label === te.winner_label)) throw new Error('worker.js tuneResults lacks the entry');
  // Restored by message; the worker's own entries win, so all are kept.
  const restored = await call({ op: 'importTuning', args: [saved] });
  if (restored.kept !== saved.entries.length || restored.imported !== 0) throw new Error(`worker.js importTuning: ${JSON.stringify(restored)}`);
  // A cached plan timed, checked and explained by message; its timing's row into a report.
  const timing = await call({ op: 'gemm', options: d, time: { iters: 2 } });
  if (timing.samples_ms.length !== 2 || timing.row.op !== 'gemm') throw new Error(`worker.js time: ${JSON.stringify(timing)}`);
  const nd = await call({ op: 'fftn', options: { shape: [8, 8], transform: 'r2c' }, time: { iters: 1 } });
  if (nd.samples_ms.length !== 1 || nd.row.variant !== 'nd_r2c') throw new Error(`worker.js fftn time: ${JSON.stringify(nd.row)}`);
  const checked = await call({ op: 'gemm', options: d, check: [c, a, b] });
  if (!checked.pass || !(checked.reference instanceof Float64Array)) throw new Error(`worker.js check: ${JSON.stringify(checked)}`);
  const st = await call({ op: 'sparseGemm', options: sd, args: [await call({ op: 'sparseCompress', options: sd, args: [sa, true] })], time: { iters: 1 } });
  if (st.row.op !== 'sparse_gemm') throw new Error(`worker.js sparse time: ${JSON.stringify(st.row)}`);
  const ex = await call({ op: 'explain', args: ['gemm', d] });
  if (ex.variant !== timing.row.variant || ex.config !== timing.row.config) throw new Error(`worker.js explain ${ex.variant} ${ex.config}, timed ${timing.row.variant} ${timing.row.config}`);
  const rep = await call({ op: 'report', args: [[timing, st]] });
  if (rep.schema_version !== 2 || rep.results.length !== 2) throw new Error(`worker.js report: ${JSON.stringify(rep)}`);
  const ta = rand(256, 6);
  const e5 = relL2(await call({ op: 'gemm', options: td, args: [ta, ta] }), gemmRef(td, ta, ta));
  if (e5 > 1e-4) throw new Error(`worker.js gemm after tuning: err ${e5}`);
  let msg = '';
  try {
    await call({ op: 'gemm', options: { m: 0, n: 1, k: 1 }, args: [] });
  } catch (e) {
    msg = e instanceof Error ? e.message : String(e);
  }
  if (!msg) throw new Error('worker.js: a bad shape did not fail');
  w.terminate();
  return `gemm err ${e1.toExponential(1)}, fft err ${e2.toExponential(1)}, sparseGemm err ${e3.toExponential(1)}, tune ${te.candidates.length} candidates → ${te.winner_label} (then err ${e5.toExponential(1)}), time/check/explain/report ${timing.row.variant} ${checked.rel_l2_err.toExponential(1)} ${rep.results.length} rows, bad shape: "${msg}"`;
}

try {
  const t0 = performance.now();
  const k = await Kernels.create();
  const query = new URLSearchParams(location.search);
  const verify = query.get('verify') ?? undefined;
  result.main = await runAll(k, (n, d) => log('main', n, d), { verify, tune: query.has('tune') });
  result.mainSeconds = (performance.now() - t0) / 1000;
  statusEl.textContent = 'main thread passed; worker…';
  const t1 = performance.now();
  result.worker = await inWorker();
  result.workerSeconds = (performance.now() - t1) / 1000;
  result.packageWorker = await packageWorker();
  log('worker.js', 'the package\'s worker example', result.packageWorker);
  statusEl.textContent = 'all passed';
  result.pass = true;
} catch (e) {
  result.error = e instanceof Error ? e.message : String(e);
  statusEl.textContent = `FAILED: ${result.error}`;
  statusEl.className = 'fail';
}
result.done = true;
