// The page: asks the browser for WebGPU, loads the wasm engine (web-demo/src), then runs
// Verify, See and Measure for every op the library exposes. Nothing here is op-specific: ops,
// controls, figures and bars all come from the wasm side as JSON.
//
// `window.wgk` holds the page's state for tests: {done, failed, webgpu, verify, see, measure,
// report, errors}.

import init, { Demo } from './wgkernels_web_demo.js';
import { el, figure, barChart } from './plots.js';

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
const LIMITS = [
  ['maxComputeWorkgroupStorageSize', 'max_compute_workgroup_storage_size', 16384],
  ['maxComputeInvocationsPerWorkgroup', 'max_compute_invocations_per_workgroup', 256],
  ['maxComputeWorkgroupSizeX', 'max_compute_workgroup_size_x', 256],
  ['maxComputeWorkgroupSizeY', 'max_compute_workgroup_size_y', 256],
  ['maxComputeWorkgroupsPerDimension', 'max_compute_workgroups_per_dimension', 65535],
  ['maxStorageBufferBindingSize', 'max_storage_buffer_binding_size', 134217728],
  ['maxBufferSize', 'max_buffer_size', 268435456],
  ['maxStorageBuffersPerShaderStage', 'max_storage_buffers_per_shader_stage', 8],
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

function renderAdapter(adapter, info, dev) {
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

  const caps = dev.caps;
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
  for (const [js, rs, dflt] of LIMITS) {
    const offer = adapter.limits[js];
    const have = dev.limits[rs];
    tbody.append(el('tr', {},
      el('td', {}, el('code', { text: js })),
      el('td', { class: 'num', text: fmtLimit(js, dflt) }),
      el('td', { class: `num ${offer > dflt ? 'higher' : ''}`, text: fmtLimit(js, offer) }),
      el('td', { class: 'num', text: fmtLimit(js, have) })));
  }

  const picks = $('picks').querySelector('tbody');
  for (const op of dev.ops) {
    if (!op.registered) {
      picks.append(el('tr', {}, el('td', { text: op.name }), el('td', { text: '—' }), el('td', { text: '' }), el('td', { text: 'no page entry yet (web-demo/src/ops)' })));
      continue;
    }
    op.picks.forEach((p, i) => picks.append(el('tr', {},
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
async function runVerify(demo, op, tier) {
  const t0 = performance.now();
  const row = verifyRow(op);
  let n = 0;
  let bad = 0;
  let last = t0;
  const times = [];
  const onCheck = (json) => {
    const c = JSON.parse(json);
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
    res = JSON.parse(await demo.verify(op.name, tier, onCheck));
  } catch (e) {
    res = { op: op.name, checks: [], error: String(e) };
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
  state.verify[op.name] = { tier, seconds: +((performance.now() - t0) / 1000).toFixed(1), times, pass, checks: checks.length, failed: failed.length, error: res.error || (failed[0] && (failed[0].error || 'over tolerance')) || null };
  return pass;
}

// Verifies every op at `tier`; returns how many passed.
async function verifyAll(demo, ops, tier) {
  $('verify-tier').textContent = tier;
  let passed = 0;
  for (const [i, op] of ops.entries()) {
    setStatus(`Verifying ${op.name} (${i + 1} of ${ops.length}, ${tier} tier)…`);
    state.verify[op.name] = { tier, running: true };
    if (await runVerify(demo, op, tier)) passed += 1;
  }
  return passed;
}

// ---- Controls: built from the op's declarations, checked by the wasm side as you type.

function controlsForm(demo, op, section, controls, run) {
  const form = el('form', { class: 'controls', novalidate: '' });
  const inputs = {};
  const setMsg = (id, msg) => {
    const c = inputs[id];
    if (!c) return;
    c.msg.textContent = msg || '';
    c.input.setAttribute('aria-invalid', msg ? 'true' : 'false');
  };
  const check = (id) => {
    const msg = demo.validate(op, section, id, inputs[id].input.value);
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

function setupSee(demo, op) {
  const block = opBlock($('see-ops'), op);
  if (!op.registered) {
    block.append(el('p', { class: 'pending', text: `No figures for ${op.name} yet: it has no page entry (web-demo/src/ops).` }));
    return null;
  }
  const out = el('div', { class: 'figures' });
  const { form, submit } = controlsForm(demo, op.name, 'see', op.see_controls, async (values, setMsg) => {
    const before = [...out.childNodes];
    out.replaceChildren(el('p', { class: 'pending', text: 'running…' }));
    const r = JSON.parse(await demo.see(op.name, JSON.stringify(values)));
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
    for (const f of r.figures) out.append(figure(f));
    state.see[op.name] = { ok: true, figures: r.figures.length };
  });
  block.append(form, out);
  return submit;
}

function setupMeasure(demo, op) {
  const block = opBlock($('measure-ops'), op);
  if (!op.registered) {
    block.append(el('p', { class: 'pending', text: `No timings for ${op.name} yet: it has no page entry (web-demo/src/ops).` }));
    return null;
  }
  const out = el('div', {});
  const { form, submit } = controlsForm(demo, op.name, 'measure', op.measure_controls, async (values, setMsg) => {
    const before = [...out.childNodes];
    out.replaceChildren(el('p', { class: 'pending', text: 'measuring…' }));
    const r = JSON.parse(await demo.measure(op.name, JSON.stringify(values)));
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
    out.append(barChart(r.bars));
    for (const b of r.bars.filter((b) => b.error)) out.append(el('div', { class: 'op-error', text: `${op.name} ${b.label}: ${b.error}` }));
    state.measure[op.name] = { ok: r.bars.every((b) => !b.error), bars: r.bars.length };
  });
  block.append(form, out);
  return submit;
}

// "Download JSON": the Measure rows as a bench report (Demo.report), saved as a file.
// wgpu's WebGPU backend reports no adapter name or driver: the browser's adapter info and its
// product token (e.g. `Chrome/138.0.0.0`) stand in for them in the report.
function setupDownload(demo, info) {
  const adapter = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  // The most specific product first: Edge's and Chrome's user agents also name Safari.
  const product = ['Edg', 'Firefox', 'HeadlessChrome', 'Chrome', 'Version']
    .map((p) => navigator.userAgent.match(new RegExp(`${p}/[\\d.]+`)))
    .find(Boolean);
  const driver = product ? product[0].replace(/^Version/, 'Safari') : '';
  const button = $('measure-download');
  button.hidden = false;
  button.addEventListener('click', async () => {
    button.disabled = true;
    button.textContent = 'Measuring the peaks…';
    const t0 = performance.now();
    const r = JSON.parse(await demo.report(navigator.userAgent, navigator.hardwareConcurrency || 0, adapter, driver));
    const seconds = +((performance.now() - t0) / 1000).toFixed(1);
    button.disabled = false;
    button.textContent = 'Download JSON';
    if (!r.ok) {
      showError(`the report failed: ${r.error}`);
      state.report = { ok: false, error: r.error, seconds };
      return;
    }
    const url = URL.createObjectURL(new Blob([r.report], { type: 'application/json' }));
    const a = el('a', { href: url, download: 'wgkernels-browser-report.json' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    state.report = { ok: true, rows: JSON.parse(r.report).results.length, seconds };
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
  await init();
  let demo;
  try {
    demo = await Demo.create((msg) => showError(msg));
  } catch (e) {
    fatal('Creating the GPU device failed', String(e));
    return;
  }
  const dev = JSON.parse(demo.info());
  state.ops = dev.ops.map((o) => o.name);
  $('version').textContent = `wgkernels ${dev.version}`;
  renderAdapter(adapter, info, dev);

  $('verify').hidden = false;
  const passed = await verifyAll(demo, dev.ops, 'standard');

  $('see').hidden = false;
  $('measure').hidden = false;
  const sees = dev.ops.map((op) => [op, setupSee(demo, op)]);
  const measures = dev.ops.map((op) => [op, setupMeasure(demo, op)]);
  const timed = async (what, name, run) => {
    const t0 = performance.now();
    await run();
    (state.seconds ||= {})[`${what} ${name}`] = +((performance.now() - t0) / 1000).toFixed(1);
  };
  for (const [op, run] of sees) if (run) { setStatus(`Plotting ${op.name}…`); await timed('see', op.name, run); }
  for (const [op, run] of measures) if (run) { setStatus(`Measuring ${op.name}…`); await timed('measure', op.name, run); }
  setupDownload(demo, info);

  const n = dev.ops.length;
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
    finish(await verifyAll(demo, dev.ops, 'full'), 'full');
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
