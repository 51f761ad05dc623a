// End-to-end test of the web demo in a real browser: serves web-demo/pkg/ (built by build.sh)
// on 127.0.0.1, opens it in headless Chromium with WebGPU on (SwiftShader where there is no
// GPU), and fails unless every op the library exposes reports verified. Saves a screenshot of
// the finished page to web-demo/screenshot.png.
//
//   node --test web-demo/e2e.test.mjs      (web-demo/e2e.sh builds first)
// Env: CHROMIUM (default /usr/bin/chromium), WGK_SCREENSHOT (default web-demo/screenshot.png),
// WGKERNELS (the native CLI for the report check; default target/debug/wgkernels, which e2e.sh
// builds), WGK_BROWSER_REPORT (also keep the page's downloaded JSON report at this path).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, 'pkg');
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const screenshot = process.env.WGK_SCREENSHOT || join(here, 'screenshot.png');
const wgkernels = process.env.WGKERNELS || join(here, '..', 'target', 'debug', 'wgkernels');

// WebGPU in headless Chromium without a GPU (DESIGN.md): SwiftShader's Vulkan adapter.
// The networking flags keep Chromium from dialling out on a closed network.
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

async function withPage(fn, { initScript } = {}) {
  const server = await serve(root, 0);
  const url = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({ executablePath, headless: true, args: ARGS });
  const logs = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    page.on('console', (m) => logs.push(`[console.${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`[pageerror] ${e}`));
    if (initScript) await page.addInitScript(initScript);
    await page.goto(url);
    return await fn(page);
  } catch (e) {
    console.log(logs.join('\n'));
    throw e;
  } finally {
    await browser.close();
    server.close();
  }
}

// The page verifies every op (standard tier) from a cold browser profile (the first thing a
// visitor waits for); plotting and timing follow. The goal is 3 minutes on a 2-core machine's
// SwiftShader (VERIFY_GOAL_S: printed, met or not): 275 s while two other jobs shared the cores
// (2026-12-03), down from 1,692 s before pipelines were specialised on the host. The test
// fails past VERIFY_BUDGET_S, a regression bound, not the goal: CI machines of the same type
// differ 2.4-4x in how fast they compile (2026-12-07: one measured 316 s alone, another ran
// past 300 s under CI), and the regression it guards against cost 1,692 s.
const VERIFY_GOAL_S = 180;
const VERIFY_BUDGET_S = 600;

test('every op verifies in headless Chromium on WebGPU; plots and timings render; bad input is rejected', { timeout: 20 * 60_000 }, async () => {
  await withPage(async (page) => {
    const t0 = Date.now();
    const verified = () => window.wgk && window.wgk.ops && window.wgk.ops.length > 0
      && window.wgk.ops.every((op) => window.wgk.verify[op] && window.wgk.verify[op].pass !== undefined);
    let verifiedAt = null;
    try {
      await page.waitForFunction(verified, null, { timeout: VERIFY_BUDGET_S * 1000, polling: 250 });
      verifiedAt = (Date.now() - t0) / 1000;
      const goal = verifiedAt <= VERIFY_GOAL_S ? 'within' : 'OVER';
      console.log(`every op verified ${verifiedAt.toFixed(1)} s after loading the page (${goal} the ${VERIFY_GOAL_S} s goal)`);
      await page.waitForFunction(() => window.wgk && window.wgk.done, null, { timeout: 8 * 60_000, polling: 500 });
    } catch (e) {
      // Say where the page got to, and keep its picture.
      console.log(`status: ${await page.locator('#status').innerText()}`);
      console.log(`state: ${JSON.stringify(await page.evaluate(() => window.wgk))}`);
      await page.screenshot({ path: screenshot, fullPage: true });
      throw e;
    }
    const st = await page.evaluate(() => window.wgk);
    console.log(`page finished in ${((Date.now() - t0) / 1000).toFixed(1)} s; seconds per step: ${JSON.stringify(st.seconds)}`);
    console.log(`adapter: ${await page.locator('#adapter-cards').innerText().then((t) => t.replace(/\n/g, ' '))}`);
    for (const op of st.ops || []) console.log(`verify ${op}: ${JSON.stringify(st.verify[op])}`);
    console.log(`see: ${JSON.stringify(st.see)}\nmeasure: ${JSON.stringify(st.measure)}`);
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`screenshot: ${screenshot}`);

    assert.equal(st.webgpu, true, 'the page found no WebGPU adapter');
    assert.equal(st.fatal, undefined, `the page showed a fatal message: ${st.fatal}`);
    assert.deepEqual(st.errors, [], 'errors were shown on the page');
    assert.ok(st.ops.length >= 1 && st.ops.includes('gemm'), `ops listed: ${st.ops}`);
    for (const op of st.ops) {
      const v = st.verify[op];
      assert.ok(v, `${op} was not verified`);
      assert.equal(v.error, null, `${op}: ${v.error}`);
      assert.ok(v.checks > 0, `${op} ran no checks`);
      assert.equal(v.failed, 0, `${op}: ${v.failed} checks failed`);
      assert.equal(v.pass, true, `${op} did not verify`);
      assert.equal(v.tier, 'standard', `${op} ran the ${v.tier} tier on load`);
    }
    // The full tier is one click away (not clicked here: tens of minutes on SwiftShader).
    assert.equal(await page.locator('#verify-full').isVisible(), true, 'no full-tier button');
    // The rows a person sees agree: one green row per op, no red one.
    assert.equal(await page.locator('#verify-table tbody tr.pass').count(), st.ops.length);
    assert.equal(await page.locator('#verify-table tbody tr.fail').count(), 0);
    // Every op the library exposes to the browser is on the page, verified and drawn.
    assert.deepEqual([...st.ops].sort(), ['attention', 'fft', 'fftconv', 'gemm', 'sparse_gemm']);
    // See and Measure ran for every op and drew something.
    for (const op of st.ops) {
      assert.equal(st.see[op]?.ok, true, `${op} plots: ${JSON.stringify(st.see[op])}`);
      assert.equal(st.measure[op]?.ok, true, `${op} timings: ${JSON.stringify(st.measure[op])}`);
      assert.ok((await page.locator(`#measure-ops [data-op="${op}"] svg.bars rect`).count()) >= 1, `${op}: no bars`);
      assert.ok((await page.locator(`#see-ops [data-op="${op}"] .figure`).count()) >= 2, `${op}: fewer than 2 figures`);
    }
    // The figures the issue names: attention block masks (diagonal, multi-diagonal, stripes and
    // a per-head plan) as heat maps, the FFT convolution's input, kernel and output as plots, a
    // 2:4 weight pattern.
    const titles = async (op, kind) => page.locator(`#see-ops [data-op="${op}"] .figure[data-kind="${kind}"] .title`).allInnerTexts();
    const attn = await titles('attention', 'heatmap');
    for (const t of [/^Diagonal window/, /^Multi-diagonal/, /^Vertical stripes/, /^Per-head plan: head 0/]) {
      assert.ok(attn.some((x) => t.test(x)), `attention heat maps: ${attn}`);
    }
    const conv = await titles('fftconv', 'lines');
    for (const t of [/^Input u/, /^Kernel k/, /^Output y/]) assert.ok(conv.some((x) => t.test(x)), `fftconv plots: ${conv}`);
    assert.ok((await titles('sparse_gemm', 'heatmap')).some((x) => /^2:4 pattern/.test(x)));
    // Every result the page computed on the GPU agrees with its reference.
    const captions = await page.locator('#see-ops .figure .caption').allInnerTexts();
    assert.ok(!captions.some((c) => /OVER/.test(c)), `a See figure is over its tolerance: ${captions.filter((c) => /OVER/.test(c))}`);
    assert.match(await page.locator('#measure .note').innerText(), /quantise/);
    assert.match(await page.locator('#status').innerText(), /verified/);

    // "Download JSON": the Measure rows as a `bench --json` report that `wgkernels compare`
    // loads (it checks a report of the current layout against schema/bench-report.schema.json)
    // and ranks beside a native report: the native GEMM quick bench, whose 256³ row is also
    // one of the page's GEMM sizes, so the table has a row with both cells.
    const dir = mkdtempSync(join(tmpdir(), 'wgk-report-'));
    try {
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: 180_000 }),
        page.locator('#measure-download').click(),
      ]);
      const browserJson = join(dir, 'browser.json');
      await download.saveAs(browserJson);
      if (process.env.WGK_BROWSER_REPORT) copyFileSync(browserJson, process.env.WGK_BROWSER_REPORT);
      console.log(`report: ${JSON.stringify(await page.evaluate(() => window.wgk.report))}`);
      const rep = JSON.parse(readFileSync(browserJson, 'utf8'));
      assert.equal(rep.schema_version, 2);
      assert.equal(rep.adapter.backend, 'BrowserWebGpu');
      assert.ok(rep.adapter.name && rep.adapter.driver, `adapter: ${JSON.stringify(rep.adapter)}`);
      assert.ok(rep.peaks.fma_f32_gflops > 0 && rep.peaks.copy_gbps > 0, `peaks: ${JSON.stringify(rep.peaks)}`);
      assert.deepEqual([...new Set(rep.results.map((r) => r.op))].sort(), [...st.ops].sort());
      for (const r of rep.results) {
        const at = `${r.op} ${JSON.stringify(r.shape)}`;
        assert.ok(r.samples_ms.length >= 3 && r.samples_ms.every((x) => x > 0), `${at}: samples ${r.samples_ms}`);
        assert.ok(r.work.flops > 0 && r.work.bytes > 0, `${at}: work`);
        assert.ok(r.pct_of_roof > 0 && r.roof_gflops > 0 && ['compute', 'memory'].includes(r.bound), `${at}: roofline`);
      }
      assert.ok(rep.scores.overall > 0, `scores: ${JSON.stringify(rep.scores)}`);
      const nativeJson = join(dir, 'native.json');
      const t0 = Date.now();
      execFileSync(wgkernels, ['bench', 'gemm', '--quick', '--json', nativeJson], { stdio: ['ignore', 'ignore', 'inherit'] });
      console.log(`native gemm quick bench: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      const md = join(dir, 'compare.md');
      execFileSync(wgkernels, ['compare', nativeJson, browserJson, '--md', md], { stdio: ['ignore', 'ignore', 'inherit'] });
      const text = readFileSync(md, 'utf8');
      assert.match(text, /\*\*B\*\*: .*BrowserWebGpu/);
      const shared = text.split('\n').find((l) => l.startsWith('| gemm | pick | f32 |') && /m=256/.test(l) && /n=256/.test(l) && /k=256/.test(l));
      assert.ok(shared, `no 256³ GEMM row in the comparison:\n${text}`);
      const cells = shared.split('|').map((c) => c.trim());
      // | op | role | dtype | shape | A | B | B/A |: the ratio is a number, so both reports ran it.
      assert.match(cells[7], /^\d+(\.\d+)?$/, `256³ row: ${shared}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // Bad input: a message next to the control, and nothing runs.
    const sizes = page.locator('#measure-gemm-sizes');
    await sizes.fill('64, abc');
    assert.match(await page.locator('#measure-gemm-sizes-msg').innerText(), /`abc` is not a whole number/);
    assert.equal(await sizes.getAttribute('aria-invalid'), 'true');
    const before = await page.evaluate(() => JSON.stringify(window.wgk.measure));
    await page.locator('#measure-ops [data-op="gemm"] button').click();
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => JSON.stringify(window.wgk.measure)), before, 'a bad value still ran');
    await page.locator('#see-gemm-m').fill('0');
    assert.match(await page.locator('#see-gemm-m-msg').innerText(), /between 1 and 512/);
    await page.locator('#see-gemm-m').fill('40');
    assert.equal(await page.locator('#see-gemm-m-msg').innerText(), '');

    // A value that depends on another control is rejected next to the control, before running.
    const seeSparse = page.locator('#see-ops [data-op="sparse_gemm"]');
    const seeBefore = await page.evaluate(() => JSON.stringify(window.wgk.see.sparse_gemm));
    await page.locator('#see-sparse_gemm-in').fill('30');
    await seeSparse.locator('button').click();
    await page.locator('#see-sparse_gemm-in-msg').filter({ hasText: /multiple of M = 4/ }).waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('#see-sparse_gemm-in').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => JSON.stringify(window.wgk.see.sparse_gemm)), seeBefore, 'a rejected value still ran');
    await page.locator('#see-attention-window').fill('9999');
    assert.match(await page.locator('#see-attention-window-msg').innerText(), /between 0 and 4096/);
    await page.locator('#see-fftconv-noise').fill('-1');
    assert.match(await page.locator('#see-fftconv-noise-msg').innerText(), /between 0 and 2/);

    // A kernel error (a configuration that cannot run this shape) is shown in the page.
    const see = page.locator('#see-ops [data-op="gemm"]');
    await page.locator('#see-gemm-config').selectOption('gemv wg128 rows4');
    await see.locator('button').click();
    await see.locator('.op-error').waitFor({ timeout: 60_000 });
    assert.match(await see.locator('.op-error').innerText(), /gemm: unsupported: GEMM config `gemv wg128 rows4` cannot run 40x64x48/);
    assert.equal(await page.evaluate(() => window.wgk.see.gemm.ok), false);
    // ...and the page recovers: the dispatcher's pick runs again.
    await page.locator('#see-gemm-config').selectOption('auto');
    await see.locator('button').click();
    await page.waitForFunction(() => window.wgk.see.gemm.ok === true, null, { timeout: 60_000 });
    assert.equal(await see.locator('.op-error').count(), 0);
  });
});

test('without WebGPU the page says so instead of staying blank', { timeout: 120_000 }, async () => {
  await withPage(
    async (page) => {
      await page.waitForFunction(() => window.wgk && window.wgk.done, null, { timeout: 60_000 });
      assert.equal(await page.evaluate(() => window.wgk.webgpu), false);
      const text = await page.locator('#fatal').innerText();
      assert.match(text, /WebGPU is not available in this browser/);
      assert.match(text, /enable-unsafe-webgpu/);
    },
    { initScript: () => { delete Navigator.prototype.gpu; } },
  );
});
