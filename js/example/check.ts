// Compile-time checks of index.d.ts (tsc only; never run): the calls a user writes type-check,
// and misuse is rejected (each @ts-expect-error fails the compile if the line is accepted).
import { Kernels, type GemmPlan, type Capabilities, type BenchReport } from 'wgkernels';

export async function typed(): Promise<number> {
  const k: Kernels = await Kernels.create();
  const device: GPUDevice = k.device;
  const caps: Capabilities = k.capabilities;
  const plan: GemmPlan = k.gemm({ m: 4, n: 4, k: 4, transA: true });
  const c: Float32Array = await plan.run(new Float32Array(16), new Float32Array(16));
  const h: Uint16Array = await k.gemm({ m: 4, n: 4, k: 4, dtype: 'f16' }).run(new Uint16Array(16), new Uint16Array(16));
  const buf: GPUBuffer = k.createBuffer(new Float32Array(16));
  const out: GPUBuffer = await plan.run(buf, buf, k.createBuffer(64));
  const spec: Float32Array = await k.rfft({ n: 8 }).run(new Float32Array(8));
  const y: GPUBuffer = await k.fftconv({ batch: 1, channels: 1, length: 8, kernelLength: 2 }).run(buf, new Float32Array(2), { output: out });
  const r = await k.verify('fft', (check) => check.rel_l2_err);
  const variant: string = plan.variant;
  const why: (string | null)[] = k.explain('gemm', { m: 4, n: 4, k: 4 }).variants.map((v) => v.reason);
  const cmp: boolean = plan.check(c, new Float32Array(16), new Float32Array(16)).pass;
  const report: BenchReport = await k.report([await plan.time({ iters: 2 })]);
  const restored: number = k.importTuning(k.tuneResults()).imported;
  const k2: Kernels = await Kernels.create({ tuning: k.tuneResults() });
  const img: Float32Array = await k.fftn({ shape: [4, 4], transform: 'dct2', norm: 'ortho' }).run(new Float32Array(16));
  const mask = k.attentionMask({ batch: 1, heads: 1, n: 64, headDim: 8, pattern: 'causal', blocks: [16, 16] });
  const fill: number = mask === null ? 0 : mask.fill.length;
  // @ts-expect-error: a transform NumPy does not name
  k.fftn({ shape: [4], transform: 'dht' });
  // @ts-expect-error: explain's options are the op's plan options
  k.explain('fft', { m: 4, n: 4, k: 4 });
  // @ts-expect-error: a report takes timings or rows, not numbers
  await k.report([1.5]);
  // @ts-expect-error: a plan needs its dimensions
  k.gemm({ m: 4, n: 4 });
  // @ts-expect-error: an unknown dtype
  k.fft({ n: 8, dtype: 'f64' });
  // @ts-expect-error: GPU-buffer GEMM needs its output buffer
  await plan.run(buf, buf);
  // @ts-expect-error: typed arrays and buffers do not mix
  await plan.run(new Float32Array(16), buf);
  // @ts-expect-error: a Float64Array is not a run argument
  await k.fft({ n: 8 }).run(new Float64Array(16));
  return c.length + h.length + spec.length + caps.limits.maxStorageBufferBindingSize + (r.pass ? 1 : 0) + (device.label.length) + (y.size) + variant.length + why.length + Number(cmp) + report.results.length + restored + k2.capabilities.ops.length + img.length + fill;
}
