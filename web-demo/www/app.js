// The page: asks the browser for WebGPU, creates the kernels from the wgkernels package (the
// built js/dist folder, copied beside this page as ./wgkernels/, imported the way a user would,
// through its public API only), then runs Verify, See and Measure for every op the package
// lists. Nothing here is op-specific: each op's picks, controls, figures and bars come from its
// module in ./ops/.
//
// `window.wgk` holds the page's state for tests: {done, failed, webgpu, verify, see, measure,
// report, errors}.

import { Kernels } from './wgkernels/index.js';
import { el, figure, barChart } from './plots.js';
import { validate, parse } from './controls.js';
import { find } from './ops/index.js';

const state = { done: false, failed: false, webgpu: null, verify: {}, see: {}, measure: {}, errors: [] };
window.wgk = state;

const $ = (id) => document.getElementById(id);

function setStatus(text, cls = '') {
  const s = $('status');
  s.textContent = text;
  s.className = `status ${cls}`;
}

function showError(msg) {
  state.errors.push(String(msg));
  $('errors').hidden = false;
  $('error-list').append(el('li', { text: String(msg) }));
}

window.addEventListener('error', (e) => showError(`script error: ${e.message}`));
window.addEventListener('unhandledrejection', (e) => showError(`unhandled: ${e.reason}`));

// A full-width message instead of a blank page: what is missing and what to do about it.
function fatal(title, ...paragraphs) {
  const box = el('div', { class: 'fatal', id: 'fatal' }, el('h2', { text: title }));
  for (const p of paragraphs) box.append(typeof p === 'string' ? el('p', { text: p }) : p);
  $('main').prepend(box);
  setStatus(title, 'failed');
  state.failed = true;
  state.fatal = title;
  state.done = true;
}

const BYTES = new Set(['maxComputeWorkgroupStorageSize', 'maxStorageBufferBindingSize', 'maxBufferSize']);
// The limits the kernels read, with WebGPU's defaults.
const LIMITS = [
  ['maxComputeWorkgroupStorageSize', 16384],
  ['maxComputeInvocationsPerWorkgroup', 256],
  ['maxComputeWorkgroupSizeX', 256],
  ['maxComputeWorkgroupSizeY', 256],
  ['maxComputeWorkgroupsPerDimension', 65535],
  ['maxStorageBufferBindingSize', 134217728],
  ['maxBufferSize', 268435456],
  ['maxStorageBuffersPerShaderStage', 8],
];

function fmtLimit(name, v) {
  if (v == null) return '—';
  if (!BYTES.has(name)) return String(v);
  if (v >= 1 << 30 && v % (1 << 30) === 0) return `${v / (1 << 30)} GiB`;
  if (v >= 1 << 20) return `${+(v / (1 << 20)).toFixed(1)} MiB`;
  if (v >= 1 << 10) return `${+(v / (1 << 10)).toFixed(1)} KiB`;
  return `${v} B`;
}

function shapeText(shape) {
  if (!shape || typeof shape !== 'object') return String(shape ?? '');
  const skip = { batch: 1, alpha: 1, beta: 0 };
  return Object.entries(shape)
    .filter(([k, v]) => v !== false && skip[k] !== v)
    .map(([k, v]) => (v === true ? k : `${k}=${v}`))
    .join(' ');
}

const sci = (x) => (x == null || !Number.isFinite(x) ? '—' : x.toExponential(1));

async function adapterInfo(adapter) {
  if (adapter.info) return adapter.info;
  if (adapter.requestAdapterInfo) return adapter.requestAdapterInfo();
  return {};
}

// `k.device` is the package's device: what the kernels run with (its limits and features).
function renderAdapter(adapter, info, k, ops) {
  const cards = $('adapter-cards');
  const fallback = info.isFallbackAdapter ?? adapter.isFallbackAdapter;
  const items = [
    ['vendor', info.vendor || '(withheld by the browser)'],
    ['architecture', info.architecture || '(withheld by the browser)'],
    ['device', info.device || '(withheld by the browser)'],
    ['description', info.description || '(withheld by the browser)'],
    ['kind', fallback ? 'fallback (software)' : 'hardware'],
    ['subgroup sizes', info.subgroupMinSize ? `${info.subgroupMinSize}–${info.subgroupMaxSize}` : '(not reported)'],
  ];
  for (const [k, v] of items) cards.append(el('div', { class: 'card' }, el('div', { class: 'k', text: k }), el('div', { class: 'v', text: v })));

  const caps = k.capabilities.caps;
  const used = { 'shader-f16': caps.f16, 'subgroups': caps.subgroups, 'timestamp-query': caps.timestamps };
  const feats = [...adapter.features].sort();
  const list = $('features');
  for (const f of feats) list.append(el('li', { class: used[f] ? 'used' : '', title: used[f] ? 'used by the kernels' : '', text: f }));
  for (const f of Object.keys(used)) if (!adapter.features.has(f)) list.append(el('li', { class: 'missing', title: 'absent on this adapter', text: f }));

  const notes = $('feature-notes');
  const note = (t) => notes.append(el('li', { text: t }));
  if (!adapter.features.has('shader-f16')) note('No shader-f16: f16-storage variants are skipped; every op runs with f32 storage.');
  else if (caps.f16) note('shader-f16: f16 storage variants are verified too.');
  if (adapter.features.has('subgroups') && !caps.subgroups) note('The adapter offers subgroups, but wgpu 30’s WebGPU backend does not request them, so subgroup variants are not picked; the plain tiled kernels run instead.');
  else if (!adapter.features.has('subgroups')) note('No subgroups: subgroup variants are not picked; the plain tiled kernels run instead.');
  if (!caps.timestamps) note('No timestamp-query: Measure times with performance.now() around submit + completion.');
  else note('timestamp-query: Measure uses GPU timestamps (quantised by the browser).');
  note('Cooperative matrices do not exist in WebGPU: those variants are native-only (Vulkan, Metal).');

  const tbody = $('limits').querySelector('tbody');
  for (const [js, dflt] of LIMITS) {
    const offer = adapter.limits[js];
    const have = k.device.limits[js];
    tbody.append(el('tr', {},
      el('td', {}, el('code', { text: js })),
      el('td', { class: 'num', text: fmtLimit(js, dflt) }),
      el('td', { class: `num ${offer > dflt ? 'higher' : ''}`, text: fmtLimit(js, offer) }),
      el('td', { class: 'num', text: fmtLimit(js, have) })));
  }

  // The dispatcher's picks for typical shapes, from `k.explain` (no plan built, so no
  // pipeline compiled while the page loads), and the variants this adapter cannot run.
  const picks = $('picks').querySelector('tbody');
  for (const op of ops) {
    if (!op.page) {
      picks.append(el('tr', {}, el('td', { text: op.name }), el('td', { text: '—' }), el('td', { text: '' }), el('td', { text: 'no page entry yet (web-demo/www/ops)' })));
      continue;
    }
    op.page.picks(k).forEach((p, i) => picks.append(el('tr', {},
      el('td', { text: i === 0 ? op.name : '' }), el('td', { text: p.case }),
      el('td', { text: p.config || '—' }), el('td', { text: p.note }))));
  }
  $('adapter').hidden = false;
}

// ---- Verify: one green/red row per op, its checks listed as they finish.

function checkRow(c) {
  return el('tr', {},
    el('td', { text: c.variant }), el('td', { text: c.dtype }), el('td', { text: shapeText(c.shape) }), el('td', { text: c.config }),
    el('td', { class: 'num', text: sci(c.rel_l2_err) }), el('td', { class: 'num', text: sci(c.tolerance) }), el('td', { class: 'num', text: sci(c.max_abs_err) }),
    el('td', { class: c.pass ? '' : 'err', text: c.pass ? 'pass' : (c.error || 'FAIL') }),
    el('td', { class: 'num', text: c.seconds === undefined ? '' : `${c.seconds} s` }));
}

function verifyRow(op) {
  const dot = el('span', { class: 'dot' });
  const checks = el('td', { class: 'num', text: 'running…' });
  const worst = el('td', { text: '' });
  const table = el('table', {}, el('tr', {}, ...['variant', 'dtype', 'shape', 'config', 'rel L2 err', 'tolerance', 'max abs err', 'result', 'time (with compiling)'].map((h) => el('th', { text: h }))));
  const summary = el('summary', { text: '0 checks' });
  const details = el('td', {}, el('details', {}, summary, table));
  const tr = el('tr', { class: 'running', 'data-op': op.name },
    el('td', {}, dot), el('td', {}, el('span', { class: 'opname', text: op.name })), checks, worst, details);
  const body = $('verify-table').querySelector('tbody');
  const old = body.querySelector(`tr[data-op="${op.name}"]`);
  if (old) old.replaceWith(tr); else body.append(tr);
  return { tr, checks, worst, table, summary };
}

// Runs the checks of `op` at `tier` ('standard' or 'full'), each shown as it finishes.
async function runVerify(k, op, tier) {
  const t0 = performance.now();
  const row = verifyRow(op);
  let n = 0;
  let bad = 0;
  let last = t0;
  const times = [];
  const onCheck = (c) => {
    const now = performance.now();
    times.push(+((now - last) / 1000).toFixed(2));
    c.seconds = times[times.length - 1];
    last = now;
    n += 1;
    if (!c.pass) bad += 1;
    row.table.append(checkRow(c));
    row.summary.textContent = `${n} checks`;
    row.checks.textContent = `${n - bad} / ${n} passed, running…`;
  };
  let res;
  try {
    const r = await k.verify(op.name, onCheck, tier);
    res = r.ops[0];
  } catch (e) {
    res = { op: op.name, checks: [], error: String(e && e.message ? e.message : e) };
  }
  const checks = res.checks;
  const failed = checks.filter((c) => !c.pass);
  const pass = !res.error && checks.length > 0 && failed.length === 0;
  let worst = null;
  for (const c of checks) {
    const r = c.rel_l2_err / c.tolerance;
    if (c.pass && Number.isFinite(r) && (!worst || r > worst.r)) worst = { r, c };
  }
  row.tr.className = pass ? 'pass' : 'fail';
  row.checks.textContent = `${checks.length - failed.length} / ${checks.length} passed`;
  row.worst.innerHTML = '';
  if (res.error) row.worst.append(el('span', { class: 'verdict', text: 'FAILED ' }), el('span', { class: 'err', text: res.error }));
  else if (failed.length) {
    const f = failed[0];
    row.worst.append(el('span', { class: 'verdict', text: 'FAILED ' }),
      el('span', { class: 'err', text: f.error ? `${f.variant} ${shapeText(f.shape)}: ${f.error}` : `${f.variant} ${f.dtype} ${shapeText(f.shape)}: rel L2 err ${sci(f.rel_l2_err)} > tolerance ${sci(f.tolerance)}` }));
  } else if (worst) {
    row.worst.append(el('span', { class: 'verdict', text: 'verified ' }),
      document.createTextNode(`rel L2 err ${sci(worst.c.rel_l2_err)} ≤ ${sci(worst.c.tolerance)} (${(100 * worst.r).toFixed(0)}% of tolerance, ${worst.c.variant} ${shapeText(worst.c.shape)})`));
  }
  state.verify[op.name] = { tier, seconds: +((performance.now() - t0) / 1000).toFixed(1), times, pass, checks: checks.length, failed: failed.length, error: res.error || (failed[0] && (failed[0].error || 'over tolerance')) || null, compile: res.compile ? { pipelines: res.compile.pipelines, specialize_s: +res.compile.specialize_s.toFixed(2), driver_s: +res.compile.driver_s.toFixed(2) } : null };
  return pass;
}

// Verifies every op at `tier`; returns how many passed.
async function verifyAll(k, ops, tier) {
  $('verify-tier').textContent = tier;
  let passed = 0;
  for (const [i, op] of ops.entries()) {
    setStatus(`Verifying ${op.name} (${i + 1} of ${ops.length}, ${tier} tier)…`);
    state.verify[op.name] = { tier, running: true };
    if (await runVerify(k, op, tier)) passed += 1;
  }
  return passed;
}

// ---- Controls: built from the op's declarations (controls.js), checked as you type.

function controlsForm(op, section, controls, run) {
  const form = el('form', { class: 'controls', novalidate: '' });
  const inputs = {};
  const setMsg = (id, msg) => {
    const c = inputs[id];
    if (!c) return;
    c.msg.textContent = msg || '';
    c.input.setAttribute('aria-invalid', msg ? 'true' : 'false');
  };
  const check = (id) => {
    const c = controls.find((x) => x.id === id);
    const msg = validate(c, inputs[id].input.value).error;
    setMsg(id, msg);
    return !msg;
  };
  for (const c of controls) {
    const id = `${section}-${op}-${c.id}`;
    let input;
    if (c.kind.type === 'choice') {
      input = el('select', { id, name: c.id, title: c.help });
      for (const o of c.kind.options) input.append(el('option', { value: o, text: o }));
      input.value = c.default;
    } else {
      input = el('input', { id, name: c.id, value: c.default, title: c.help, autocomplete: 'off', spellcheck: 'false', 'aria-describedby': `${id}-msg` });
    }
    const msg = el('div', { class: 'msg', id: `${id}-msg`, 'aria-live': 'polite' });
    input.addEventListener('input', () => check(c.id));
    form.append(el('div', { class: 'control' }, el('label', { for: id, text: c.label }), input, msg));
    inputs[c.id] = { input, msg };
  }
  const button = el('button', { type: 'submit', text: section === 'see' ? 'Run' : 'Measure' });
  form.append(button);
  const submit = async () => {
    const ok = controls.map((c) => check(c.id)).every(Boolean);
    if (!ok) return false;
    const values = Object.fromEntries(controls.map((c) => [c.id, inputs[c.id].input.value]));
    button.disabled = true;
    try {
      await run(values, setMsg);
    } finally {
      button.disabled = false;
    }
    return true;
  };
  form.addEventListener('submit', (ev) => { ev.preventDefault(); submit(); });
  return { form, submit };
}

function opBlock(parent, op) {
  const block = el('div', { class: 'opblock', 'data-op': op.name }, el('h3', { text: op.title }));
  parent.append(block);
  return block;
}

// Validates a section's values (each control, then the op's cross-check of values that depend
// on each other) and runs it; resolves to `{ok, result}`, `{ok: false, error, control}` when
// a value is rejected before anything runs, or `{ok: false, error}` when the run failed.
async function runSection(k, section, values) {
  const parsed = parse(section.controls, values);
  if (parsed.error) return { ok: false, error: parsed.error, control: parsed.control };
  const bad = section.crossCheck ? section.crossCheck(parsed.params) : null;
  if (bad) return { ok: false, control: bad[0], error: bad[1] };
  try {
    return { ok: true, result: await section.run(k, parsed.params) };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e), control: null };
  }
}

function setupSee(k, op) {
  const block = opBlock($('see-ops'), op);
  if (!op.page) {
    block.append(el('p', { class: 'pending', text: `No figures for ${op.name} yet: it has no page entry (web-demo/www/ops).` }));
    return null;
  }
  const out = el('div', { class: 'figures' });
  const { form, submit } = controlsForm(op.name, 'see', op.page.see.controls, async (values, setMsg) => {
    const before = [...out.childNodes];
    out.replaceChildren(el('p', { class: 'pending', text: 'running…' }));
    const r = await runSection(k, op.page.see, values);
    if (!r.ok && r.control) {
      // Rejected before anything ran: the message goes next to the control, the last
      // results stay.
      setMsg(r.control, r.error);
      out.replaceChildren(...before);
      return;
    }
    out.replaceChildren();
    if (!r.ok) {
      out.append(el('div', { class: 'op-error', text: `${op.name}: ${r.error}` }));
      state.see[op.name] = { ok: false, error: r.error };
      return;
    }
    for (const f of r.result) out.append(figure(f));
    state.see[op.name] = { ok: true, figures: r.result.length };
  });
  block.append(form, out);
  return submit;
}

// The report rows of every op's latest Measure run (the page's "Download JSON").
const rows = new Map();

function setupMeasure(k, op) {
  const block = opBlock($('measure-ops'), op);
  if (!op.page) {
    block.append(el('p', { class: 'pending', text: `No timings for ${op.name} yet: it has no page entry (web-demo/www/ops).` }));
    return null;
  }
  const out = el('div', {});
  const { form, submit } = controlsForm(op.name, 'measure', op.page.measure.controls, async (values, setMsg) => {
    const before = [...out.childNodes];
    out.replaceChildren(el('p', { class: 'pending', text: 'measuring…' }));
    const r = await runSection(k, op.page.measure, values);
    if (!r.ok && r.control) {
      // Rejected before anything ran: the message goes next to the control, the last
      // results stay.
      setMsg(r.control, r.error);
      out.replaceChildren(...before);
      return;
    }
    out.replaceChildren();
    if (!r.ok) {
      out.append(el('div', { class: 'op-error', text: `${op.name}: ${r.error}` }));
      state.measure[op.name] = { ok: false, error: r.error };
      return;
    }
    const bars = r.result;
    rows.set(op.name, bars.filter((b) => b.row).map((b) => b.row));
    out.append(barChart(bars));
    for (const b of bars.filter((b) => b.error)) out.append(el('div', { class: 'op-error', text: `${op.name} ${b.label}: ${b.error}` }));
    state.measure[op.name] = { ok: bars.every((b) => !b.error), bars: bars.length };
  });
  block.append(form, out);
  return submit;
}

// "Download JSON": the Measure rows as a bench report (`k.report`, which fills the adapter
// name and driver wgpu's web backend lacks from the browser), saved as a file.
function setupDownload(k) {
  const button = $('measure-download');
  button.hidden = false;
  button.addEventListener('click', async () => {
    button.disabled = true;
    button.textContent = 'Measuring the peaks…';
    const t0 = performance.now();
    let report;
    let error;
    try {
      report = await k.report([...rows.values()].flat());
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    const seconds = +((performance.now() - t0) / 1000).toFixed(1);
    button.disabled = false;
    button.textContent = 'Download JSON';
    if (error) {
      showError(`the report failed: ${error}`);
      state.report = { ok: false, error, seconds };
      return;
    }
    const url = URL.createObjectURL(new Blob([JSON.stringify(report, null, 2)], { type: 'application/json' }));
    const a = el('a', { href: url, download: 'wgkernels-browser-report.json' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    state.report = { ok: true, rows: report.results.length, seconds };
  });
}

async function main() {
  if (!('gpu' in navigator) || !navigator.gpu) {
    state.webgpu = false;
    fatal('WebGPU is not available in this browser',
      'This page runs GPU compute kernels through WebGPU, and this browser does not expose navigator.gpu.',
      'Use a browser with WebGPU: Chrome or Edge 113+ on Windows, macOS and ChromeOS; on Linux, Chrome/Chromium started with --enable-unsafe-webgpu (and --enable-features=Vulkan); Safari 26+; Firefox 141+ on Windows. WebGPU also needs a secure context: https, or http://localhost / 127.0.0.1.');
    return;
  }
  let adapter = null;
  try {
    adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    showError(`requestAdapter failed: ${e}`);
  }
  if (!adapter) {
    state.webgpu = false;
    fatal('No WebGPU adapter',
      'navigator.gpu exists but the browser returned no adapter: the GPU may be blocklisted, or WebGPU disabled for this device.',
      'Try chrome://gpu to see why; on a machine without a usable GPU, Chromium’s software adapter (SwiftShader) needs --enable-unsafe-webgpu.');
    return;
  }
  state.webgpu = true;
  const info = await adapterInfo(adapter);

  setStatus('Loading the WebAssembly engine…');
  let k;
  try {
    k = await Kernels.create({ onDeviceLost: (e) => showError(`device lost: ${e.reason}: ${e.message}`) });
  } catch (e) {
    fatal('Creating the GPU device failed', String(e && e.message ? e.message : e));
    return;
  }
  k.device.addEventListener('uncapturederror', (e) => showError(`uncaptured WebGPU error: ${e.error.message}`));
  const caps = k.capabilities;
  const ops = caps.ops.map((name) => {
    const page = find(name);
    return { name, title: page ? page.title : name, page };
  });
  state.ops = ops.map((o) => o.name);
  $('version').textContent = `wgkernels ${caps.version}`;
  renderAdapter(adapter, info, k, ops);

  $('verify').hidden = false;
  const passed = await verifyAll(k, ops, 'standard');

  $('see').hidden = false;
  $('measure').hidden = false;
  const sees = ops.map((op) => [op, setupSee(k, op)]);
  const measures = ops.map((op) => [op, setupMeasure(k, op)]);
  const timed = async (what, name, run) => {
    const t0 = performance.now();
    await run();
    (state.seconds ||= {})[`${what} ${name}`] = +((performance.now() - t0) / 1000).toFixed(1);
  };
  for (const [op, run] of sees) if (run) { setStatus(`Plotting ${op.name}…`); await timed('see', op.name, run); }
  for (const [op, run] of measures) if (run) { setStatus(`Measuring ${op.name}…`); await timed('measure', op.name, run); }
  setupDownload(k);

  const n = ops.length;
  const finish = (ok, tier) => {
    if (ok === n) setStatus(`Done: all ${n} op${n === 1 ? '' : 's'} verified on this adapter (${tier} tier)`, 'done');
    else { setStatus(`${n - ok} of ${n} ops failed verification (${tier} tier)`, 'failed'); state.failed = true; }
  };
  finish(passed, 'standard');
  // The full tier on demand: every candidate configuration, every N:M pattern, every head dim
  // (many more pipelines for the browser to compile: tens of minutes on a software adapter).
  const full = $('verify-full');
  full.hidden = false;
  full.addEventListener('click', async () => {
    full.disabled = true;
    state.fullDone = false;
    finish(await verifyAll(k, ops, 'full'), 'full');
    state.fullDone = true;
    full.disabled = false;
  });
  state.done = true;
}

main().catch((e) => {
  showError(`the page failed: ${e && e.stack ? e.stack : e}`);
  setStatus('The page failed (see the errors above)', 'failed');
  state.failed = true;
  state.done = true;
});
