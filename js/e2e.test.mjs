// End-to-end test of the JavaScript package: serves js/ (the built package in dist/, the example
// in example/) on 127.0.0.1, opens example/index.html in headless Chromium with WebGPU
// (SwiftShader where there is no GPU) and fails unless every check passed on the main thread, in
// a Web Worker, and through the package's worker example.
//   node --test js/e2e.test.mjs      (js/e2e.sh builds and type-checks first)
// Env: CHROMIUM (default /usr/bin/chromium), WGK_JS_VERIFY (an op for k.verify on the main
// thread; default fft, "" for none).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../web-demo/serve.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const verify = process.env.WGK_JS_VERIFY ?? 'fft';
// The same flags as the demo's test (web-demo/e2e.test.mjs): WebGPU on SwiftShader, no network.
const ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-gpu-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

test('the example page passes every check: main thread, worker, worker.js', { timeout: 15 * 60_000 }, async () => {
  const server = await serve(here, 0);
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({ executablePath, headless: true, args: ARGS });
  const logs = [];
  try {
    const page = await browser.newPage();
    page.on('console', (m) => logs.push(`[console.${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`[pageerror] ${e}`));
    const t0 = Date.now();
    await page.goto(`${base}/example/index.html?tune${verify ? `&verify=${verify}` : ''}`);
    await page.waitForFunction(() => window.wgkResult && window.wgkResult.done, null, { timeout: 14 * 60_000, polling: 500 });
    const r = await page.evaluate(() => window.wgkResult);
    console.log(await page.locator('#log').innerText());
    console.log(`page done in ${((Date.now() - t0) / 1000).toFixed(1)} s (main ${r.mainSeconds?.toFixed(1)} s, worker ${r.workerSeconds?.toFixed(1)} s)`);
    assert.equal(r.error, undefined, `the example failed: ${r.error}`);
    assert.equal(r.pass, true);
    for (const where of ['main', 'worker']) {
      const names = r[where].passed;
      for (const want of [/^gemm f32/, /^gemm on GPUBuffers/, /^fft n=/, /^fft on GPUBuffers/, /^rfft n=/, /^rfft on GPUBuffers/, /^fftconv /, /^attention \{/, /^attention on GPUBuffers/, /^searchPatterns/, /^sparseGemm 2:4/, /^plan\.time/, /^plan\.variant, explain, check/, /^forced config/, /^attention valueDim/, /^fftn /, /^chain on the GPU/, /^errors/, /^device loss/]) {
        assert.ok(names.some((n) => want.test(n)), `${where}: no passing check matches ${want}: ${names}`);
      }
      if (r[where].skipped.length) console.log(`${where} skipped: ${r[where].skipped.join('; ')}`);
    }
    assert.ok(r.main.passed.some((n) => n.startsWith('tune:')), 'tune did not run');
    if (verify) assert.ok(r.main.passed.some((n) => n.startsWith(`verify('${verify}')`)), 'verify did not run');
    assert.match(r.packageWorker, /gemm err/);
    assert.match(r.packageWorker, /tune \d+ candidates/);
    assert.match(r.packageWorker, /time\/check\/explain\/report \S+ \S+ 2 rows/);
  } catch (e) {
    console.log(logs.join('\n'));
    throw e;
  } finally {
    await browser.close();
    server.close();
  }
});
