// Types of the wgkernels package (hand-written; index.js and the wasm implement them).
/// <reference types="@webgpu/types" />

/** Storage type of a plan: `f32` (Float32Array) or `f16` (Uint16Array of IEEE half bits; needs the adapter's `shader-f16`). */
export type DType = 'f32' | 'f16';

/** Host data of a run: f32 values, or f16 values as their 16-bit patterns. */
export type HostArray = Float32Array | Uint16Array;

/** A run's argument: a typed array (the result is a typed array of the same kind) or a
 * GPUBuffer made by this package (`createBuffer` or a plan's output; the result stays on the GPU). */
export type Data = HostArray | GPUBuffer;

/** Loads the wasm once (from next to index.js unless `wasm` says where). `Kernels.create` calls it. */
export function load(wasm?: string | URL | Request | Response | BufferSource | WebAssembly.Module): Promise<unknown>;

export interface CreateOptions {
  /** Where the wasm comes from (default: `wgkernels_core_bg.wasm` beside index.js). */
  wasm?: string | URL | Request | Response | BufferSource | WebAssembly.Module;
  /** Called once if the device is lost (driver reset, `k.device.destroy()`); every later
   * call then rejects with `device lost: ...`. (`k.device.lost` is the same event.) */
  onDeviceLost?: (info: { reason: GPUDeviceLostReason; message: string }) => void;
  /** Tuning saved from `tuneResults()` (e.g. of an earlier visit) to restore: plans use its
   * picks without measuring again. One measured on another adapter, driver or package version
   * is skipped with a console warning (`importTuning` throws instead). */
  tuning?: TuneResults;
}

export interface Capabilities {
  /** Adapter name, vendor, backend and driver. */
  adapter: { name: string; vendor: number; device: number; backend: string; device_type: string; driver: string; driver_info: string };
  /** Whether f16 plans can run (the device has `shader-f16`). */
  f16: boolean;
  /** Everything the kernels' dispatcher reads (subgroups, cooperative matrices, ...). */
  caps: Record<string, unknown>;
  /** The limits users meet: a binding above `maxStorageBufferBindingSize` (128 MiB by default on the web) is an error. */
  limits: {
    maxStorageBufferBindingSize: number;
    maxBufferSize: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
    maxComputeWorkgroupsPerDimension: number;
    maxStorageBuffersPerShaderStage: number;
  };
  /** The ops `verify` knows. */
  ops: string[];
  /** Package version. */
  version: string;
}

/** One verification check (an op, variant and shape compared with the f64 CPU reference). */
export interface Check {
  op: string;
  variant: string;
  dtype: DType;
  shape: unknown;
  max_abs_err: number;
  rel_l2_err: number;
  tolerance: number;
  pass: boolean;
  config: string;
  error?: string;
}

export interface VerifyResult {
  pass: boolean;
  tier: 'standard' | 'full';
  ops: { op: string; pass: boolean; checks: Check[]; error: string | null; compile?: CompileSummary }[];
}

/** What building an op's pipelines cost while it verified (absent when the op failed to run).
 * In a browser `driver_s` is the time to hand the pipeline over: the browser compiles it in its
 * GPU process, and that time shows in the checks' own times. */
export interface CompileSummary {
  /** Pipelines built (one the context already held is not counted). */
  pipelines: number;
  /** Seconds of host-side specialisation (naga, in the wasm module). */
  specialize_s: number;
  /** Seconds in wgpu and the driver's pipeline creation call. */
  driver_s: number;
  /** The slowest build: `{label, specialize_s, driver_s}`. */
  slowest: { label: string; specialize_s: number; driver_s: number } | null;
}

/** Progress of `tune`: called before each candidate (`done` of `total` measured so far) and once
 * more with `done === total` before the final interleaved rounds. */
export interface TuneProgress {
  op: string;
  done: number;
  total: number;
  /** The candidate about to be measured (e.g. `tiled 64x64x16 t4x4`), or `final rounds`. */
  label: string;
}

export interface TuneOptions {
  /** Plan options of the op to tune (`op` required), instead of the shapes of the plans built so far. */
  shapes?: object[];
  /** Fewer timed runs per candidate and one final round. */
  quick?: boolean;
  /** Re-measure buckets already tuned on this device (otherwise their entry is returned as is). */
  force?: boolean;
  onProgress?: (p: TuneProgress) => void;
}

/** One candidate's measurement. */
export interface TuneCandidate {
  config: unknown;
  label: string;
  /** `ok` (timed), `pruned` (far slower than the best, still correct) or `dropped` (failed to build or wrong). */
  status: 'ok' | 'pruned' | 'dropped';
  median_ms: number | null;
  samples_ms: number[];
  reason: string | null;
}

/** One tuned shape bucket (the native tuning cache's entry). */
export interface TuneEntry {
  op: string;
  /** The bucket the result applies to (sizes rounded up to powers of two, dtype, layout). */
  bucket: Record<string, unknown>;
  /** The representative problem that was timed. */
  shape: Record<string, unknown>;
  /** `gpu` (timestamp queries) or `wall`. */
  timing: string;
  winner: unknown | null;
  /** The winner's label: what a plan of this bucket built afterwards reports as `config`. */
  winner_label: string | null;
  default_label: string;
  winner_ms: number | null;
  default_ms: number | null;
  candidates: TuneCandidate[];
  tuned_at_unix: number;
  shader_hash: string;
}

/** Everything tuned on a device, in the native tuning cache file's form (`tuneResults`, `importTuning`). */
export interface TuneResults {
  format: number;
  key: { adapter: Capabilities['adapter']; crate_version: string };
  entries: TuneEntry[];
}

export interface TimeOptions {
  warmup?: number;
  iters?: number;
}

/** A plan's measured run time and its work (the native bench's roofline count). */
export interface Timing {
  median_ms: number;
  samples_ms: number[];
  /** `gpu` (timestamp queries, quantised by the browser) or `wall` (submit to done). */
  source: 'gpu' | 'wall';
  work: { flops: number; bytes: number; f16_math?: boolean };
  /** The measurement as a `wgkernels bench --json` result row, for `Kernels.report`. */
  row: BenchRow;
}

/** One measured op × shape of a bench report (`results[]` of `wgkernels bench --json`). */
export interface BenchRow {
  /** The native op name (`gemm`, `fft`, `fftconv`, `attention`, `sparse_gemm`). */
  op: string;
  variant: string;
  dtype: DType;
  /** The op's dimensions, as the native bench writes them. */
  shape: Record<string, unknown>;
  median_ms: number;
  samples_ms: number[];
  work?: { flops: number; bytes: number; f16_math?: boolean };
  config: string;
  /** `default` (the untuned pick) or `cache` (a tuned entry). */
  config_source: string;
  gflops?: number;
  gbps?: number;
  /** `gpu` or `wall`. */
  timing: string;
  /** Filled in by the report: intensity, roof, bound, % of roof. */
  intensity?: number;
  roof_gflops?: number;
  bound?: string;
  pct_of_roof?: number;
  [field: string]: unknown;
}

/** A `wgkernels bench --json` report (schema version 2): `wgkernels compare` reads it beside native reports. */
export interface BenchReport {
  schema_version: number;
  adapter: Capabilities['adapter'];
  /** The adapter's measured peaks (FMA GFLOP/s per type, copy bandwidth), from the native bench's probe. */
  peaks: { fma_f32_gflops: number; fma_f16_gflops: number | null; copy_gbps: number; copy_buffer_gbps: number };
  results: BenchRow[];
  version: string;
  compile: unknown[];
  /** Per-op and overall geometric means of % of roof. */
  scores: { ops: { op: string; score: number; rows: number }[]; overall: number | null };
  system?: { cpu: string; cpu_threads: number; os: string; wgpu_version: string };
}

/** What stands in for the machine in a browser's report (defaults from `navigator` and `k.device.adapterInfo`). */
export interface ReportOptions {
  /** Stands in for the OS (default: the user agent). */
  os?: string;
  /** Logical CPUs (default: `navigator.hardwareConcurrency`). */
  cpuThreads?: number;
  /** The adapter's name (wgpu's web backend reports none; default: the adapter info's vendor, architecture, device, description). */
  adapter?: string;
  /** The driver (default: the browser and its version, e.g. `Chrome/138.0.0.0`). */
  driver?: string;
}

/** A result against the crate's f64 CPU reference, under the crate's one tolerance rule. */
export interface Comparison {
  max_abs_err: number;
  /** ‖result − reference‖₂ / ‖reference‖₂. */
  rel_l2_err: number;
  /** The bound for this plan (op, variant's compute precision, reduction length). */
  tolerance: number;
  /** `rel_l2_err <= tolerance` and no NaN where the reference has none. */
  pass: boolean;
  /** The f64 reference, laid out as the result. */
  reference: Float64Array;
}

/** One variant of an op in `explain`. */
export interface VariantAvailability {
  variant: string;
  /** This adapter can run it for these options (the dispatcher or `tune` can pick it). */
  available: boolean;
  /** How many of the candidate configurations are of this variant. */
  candidates: number;
  /** Why it is not available (a missing feature, the device's limits, the shape); null when it is. */
  reason: string | null;
  /**
   * Its candidate configurations: `label` as `plan.config` shows it, `config` the form a plan's
   * `config` option takes to force it. Absent for fftconv's paths (forced by `path`).
   */
  configs?: { label: string; config: Record<string, unknown> }[];
}

/** What the dispatcher picks for a plan's options on this adapter (`Kernels.explain`). */
export interface Explanation {
  op: string;
  /** The variant a plan of these options runs (its `plan.variant`). */
  variant: string;
  /** The configuration (its `plan.config`). */
  config: string;
  /** `default` (untuned) or `cache` (a tuned entry). */
  source: string;
  /** Why a plan of these options cannot run here at all (e.g. f16 without `shader-f16`), else null. */
  error: string | null;
  /** Candidate configurations `tune` would measure. */
  candidates: number;
  variants: VariantAvailability[];
  /** attention: the mask's (query, key) block sizes. */
  blocks?: [number, number];
  /** fftconv: the FFT configuration of its transforms. */
  fft?: string;
}

export interface GemmOptions {
  m: number;
  n: number;
  k: number;
  /** Independent products (default 1), stored one after another. */
  batch?: number;
  /** A is stored K×M (default M×K). */
  transA?: boolean;
  /** B is stored N×K (default K×N). */
  transB?: boolean;
  dtype?: DType;
  /** C = alpha·op(A)·op(B) + beta·C; defaults 1 and 0 (beta ≠ 0 needs C). */
  alpha?: number;
  beta?: number;
  /** A configuration to run instead of the dispatcher's pick, in the serde form the tuner
   * stores (`tuneResults()` entries' `winner` and candidates' `config`), e.g.
   * `{variant: 'tiled', bm: 64, bn: 64, bk: 16, tm: 4, tn: 8}`; one the shape or adapter cannot
   * run is the plan's error. */
  config?: Record<string, unknown>;
}

export interface FftOptions {
  /** Points per transform (any length ≥ 1; other lengths than powers of two run the mixed-radix kernel where every prime factor is ≤ 53 (one dispatch up to 2048 points on default limits, two passes beyond), primes whose n − 1 is such a length of one dispatch by Rader's algorithm (two transforms in one dispatch), else Bluestein). */
  n: number;
  batch?: number;
  /** Inverse transform, scaled by 1/n. */
  inverse?: boolean;
  dtype?: DType;
  /** A configuration to run instead of the dispatcher's pick, in the serde form the tuner
   * stores (`tuneResults()` entries' `winner` and candidates' `config`), e.g.
   * `{variant: 'tiled', bm: 64, bn: 64, bk: 16, tm: 4, tn: 8}`; one the shape or adapter cannot
   * run is the plan's error. */
  config?: Record<string, unknown>;
}

export interface FftConvOptions {
  batch: number;
  channels: number;
  /** Sequence length L. */
  length: number;
  /** Kernel length (≤ L). */
  kernelLength: number;
  /** Circular instead of causal. */
  circular?: boolean;
  /** u is multiplied by a gate (same shape) first / y by one last. */
  preGate?: boolean;
  postGate?: boolean;
  /** Frequency-sparse: the fraction of frequency classes kept. */
  freqKeep?: number;
  /** Forces a path (default: the dispatcher's pick, reported by `plan.path`); a path that cannot
   * run the shape or options is an error (frequency-sparse runs on `multipass` only, `unfused` is
   * f32 only). */
  path?: 'fused' | 'multipass' | 'unfused';
  dtype?: DType;
  /** A configuration to run instead of the dispatcher's pick, in the serde form the tuner
   * stores (`tuneResults()` entries' `winner` and candidates' `config`), e.g.
   * `{variant: 'tiled', bm: 64, bn: 64, bk: 16, tm: 4, tn: 8}`; one the shape or adapter cannot
   * run is the plan's error. */
  config?: Record<string, unknown>;
}

export interface AttentionOptions {
  batch: number;
  /** Query heads. */
  heads: number;
  /** Key/value heads (divides `heads`; default `heads`): grouped-query attention. */
  headsKv?: number;
  /** Query length (and key/value length unless `kvLen`). */
  n: number;
  kvLen?: number;
  headDim: number;
  dtype?: DType;
  /** Softmax scale (default 1/√headDim). */
  scale?: number;
  /** Also return the per-row log-sum-exp (natural log) of the scaled scores. */
  lse?: boolean;
  /** The CLI's pattern specs, one for every head or one per query head: `full`, `causal`,
   * `window:W`, `window:L:R`, `diag:OFFSET:HW`, `frames:LEN:K:HW`, `stripes:I,J`, `every:S[:O]`,
   * `rows:I,J`, joined by `+` (union) and `&` (intersection). Dense when omitted. */
  pattern?: string | string[];
  /** Head dim of V and O when it differs from Q·K's (latent attention; default `headDim`). */
  valueDim?: number;
  /** The mask's (query, key) block sizes (default: the dispatcher's for the shape). */
  blocks?: [number, number];
  /** Score soft-cap: scores become `cap·tanh(s/cap)`. */
  softcap?: number;
  /** ALiBi: a slope per query head (scores gain `slope·(j − i)`), or `'standard'` (the paper's geometric slopes). */
  alibi?: number[] | 'standard';
  /** A sink logit per query head (an extra softmax term with no value). */
  sinks?: number[];
  /** T5 relative-position buckets: `table` holds `heads × buckets` values, head-major. */
  t5?: { buckets: number; maxDistance: number; bidirectional: boolean; table: number[] };
  /** A configuration to run instead of the dispatcher's pick, in the serde form the tuner
   * stores (`tuneResults()` entries' `winner` and candidates' `config`), e.g.
   * `{variant: 'tiled', bm: 64, bn: 64, bk: 16, tm: 4, tn: 8}`; one the shape or adapter cannot
   * run is the plan's error. */
  config?: Record<string, unknown>;
}

/** A block mask as a page draws it (`attentionMask`, `AttentionPlan.mask`). */
export interface MaskInfo {
  blockQ: number;
  blockKv: number;
  /** Query blocks. */
  rows: number;
  /** Key blocks. */
  cols: number;
  /** `rows × cols` (row-major): 0 where the block is skipped, else 0.2 + 0.8 × the share of its pairs attended. */
  fill: Float32Array;
  /** Blocks run whole, blocks run with a bit tile, and single stripe keys. */
  full: number;
  partial: number;
  stripes: number;
  /** Share of (query, key) pairs attended. */
  density: number;
  /** Share of the dense work the kernel does (partial blocks count whole). */
  workDensity: number;
}

export interface FftNdOptions {
  /** The array's shape, outermost first (for `c2r`, the real output's). */
  shape: number[];
  /** Transformed axes, among the last three (default: all of the last three). */
  axes?: number[];
  /** NumPy's `fftn` / `rfftn` / `irfftn`, SciPy's `dctn` / `dstn` types. */
  transform: 'c2c' | 'r2c' | 'c2r' | 'dct2' | 'dct3' | 'dct4' | 'dst2';
  /** `c2c` only: `ifftn`. */
  inverse?: boolean;
  /** As NumPy's `norm=` (default `backward`). */
  norm?: 'backward' | 'ortho' | 'forward';
  dtype?: DType;
}

export interface DctLowpassOptions {
  batch?: number;
  height: number;
  width: number;
  /** The lowest k × k coefficients are kept (k ≤ height, width). */
  k: number;
  dtype?: DType;
}

/** An N-D transform over up to the last three axes. */
export class FftNdPlan {
  private constructor();
  run(input: Float32Array): Promise<Float32Array>;
  run(input: Uint16Array): Promise<Uint16Array>;
  run(input: GPUBuffer, output?: GPUBuffer): Promise<GPUBuffer>;
  readonly config: string;
  /** Input and output shapes (complex arrays count complex values, two numbers each). */
  readonly inShape: number[];
  readonly outShape: number[];
  /** `result` against the f64 N-D transform of `input`. */
  check(result: HostArray, input: HostArray): Comparison;
  /** Times the plan on zero-filled operands of its own. */
  time(options?: TimeOptions): Promise<Timing>;
  free(): void;
}

/** Per image the lowest k × k coefficients of its orthonormal 2-D DCT-II. */
export class DctLowpassPlan {
  private constructor();
  run(input: Float32Array): Promise<Float32Array>;
  run(input: Uint16Array): Promise<Uint16Array>;
  run(input: GPUBuffer, output?: GPUBuffer): Promise<GPUBuffer>;
  /** The transpose kernel (`tiled` or `direct`). */
  readonly config: string;
  /** `result` against the f64 low-pass of `input`. */
  check(result: HostArray, input: HostArray): Comparison;
  /** Times the plan on zero-filled operands of its own. */
  time(options?: TimeOptions): Promise<Timing>;
  free(): void;
}

/** Options of `searchPatterns`: the attention call (no `pattern`, no `lse`) and the search's own. */
export interface SearchOptions extends Omit<AttentionOptions, 'pattern' | 'lse' | 'softcap' | 'alibi' | 'sinks' | 't5' | 'config'> {
  /** Weight of the work density in each head's score (λ; default 0.02). */
  lambda?: number;
  /** Largest relative MSE against full attention a head accepts (ε; default 0.05). */
  epsilon?: number;
  /** Candidate pattern specs (`full` is always one); default: windows, stripes, frame bands, skip. */
  candidates?: string[];
  /** Frame length of a video layout (adds multi-diagonal frame candidates). */
  frameLen?: number;
}

/** One candidate's numbers on one head. */
export interface SearchCandidate {
  pattern: string;
  /** Relative MSE of the head's output against full attention. */
  err: number;
  /** Fraction of score tiles the candidate's mask keeps. */
  density: number;
  /** `err + lambda·density`, or null when `err > epsilon`. */
  score: number | null;
}

/** The search's result: per head the chosen pattern. */
export interface SearchResult {
  lambda: number;
  epsilon: number;
  block_q: number;
  block_kv: number;
  heads: { head: number; pattern: string; err: number; density: number; candidates: SearchCandidate[] }[];
  /** heads / Σ density: the speedup over dense the kernel's work predicts. */
  predicted_speedup: number;
  /** One spec per query head, for `attention({ ..., pattern: patterns })`. */
  patterns: string[];
}

/** Block-sparse flash attention over Q (batch, heads, n, headDim), K and V (batch, headsKv, kvLen, headDim). */
export class AttentionPlan {
  private constructor();
  run(q: Float32Array, k: Float32Array, v: Float32Array): Promise<Float32Array | { o: Float32Array; lse: Float32Array }>;
  run(q: Uint16Array, k: Uint16Array, v: Uint16Array): Promise<Uint16Array | { o: Uint16Array; lse: Float32Array }>;
  /** Writes `o` (and `lse`, f32 per query row, when the plan has it); resolves to `o`. */
  run(q: GPUBuffer, k: GPUBuffer, v: GPUBuffer, o: GPUBuffer, lse?: GPUBuffer): Promise<GPUBuffer>;
  readonly config: string;
  /** The kernel variant (`tiled`, `subgroup`, `coop`). */
  readonly variant: string;
  /** Fraction of score tiles the mask keeps (1 when dense). */
  readonly workDensity: number;
  /** The plan's mask as query head `head` (default 0) sees it; null when dense. */
  mask(head?: number): MaskInfo | null;
  /** `result` (O, or `{o, lse}`) against f64 attention on `q`, `k`, `v` with the plan's mask. */
  check(result: HostArray | { o: HostArray }, q: HostArray, k: HostArray, v: HostArray): Comparison;
  /** Times the plan on zero-filled operands of its own: `warmup` untimed runs (default 1), then `iters` timed (default 5). */
  time(options?: TimeOptions): Promise<Timing>;
  free(): void;
}

export interface SparseGemmOptions {
  /** Rows of the sparse operand (out features when `linear`). */
  m: number;
  /** Output columns (tokens when `linear`). */
  n: number;
  /** Reduction length, a multiple of the pattern's M. */
  k: number;
  /** `"N:M"` with N < M ≤ 16, e.g. `"2:4"`. */
  pattern: string;
  /** Y = X·W_sᵀ (+ bias): X is n×k, the sparse W_s m×k, Y n×m (torch's F.linear). Default: C = A_s·B (B k×n, C m×n). */
  linear?: boolean;
  batch?: number;
  /** Add bias[row] (m values) to the output (linear layers). */
  bias?: boolean;
  dtype?: DType;
  /** A configuration to run instead of the dispatcher's pick, in the serde form the tuner
   * stores (`tuneResults()` entries' `winner` and candidates' `config`), e.g.
   * `{variant: 'tiled', bm: 64, bn: 64, bk: 16, tm: 4, tn: 8}`; one the shape or adapter cannot
   * run is the plan's error. */
  config?: Record<string, unknown>;
}

/** An N:M compressed sparse operand on the GPU, made by `SparseGemmPlan.compress` for that plan. */
export class SparseMatrix {
  private constructor();
  free(): void;
}

/** N:M structured-sparse GEMM. */
export class SparseGemmPlan {
  private constructor();
  /** Compresses the sparse operand (m×k dense, row-major) to N:M on the GPU; `prune` keeps the N largest magnitudes of every M first (else a denser group is an error). */
  compress(dense: HostArray, prune?: boolean): SparseMatrix;
  /** The dense operand pruned to N:M (same shape and kind). */
  prune(dense: Float32Array): Float32Array;
  prune(dense: Uint16Array): Uint16Array;
  run(sparse: SparseMatrix, dense: Float32Array, extras?: { bias?: Float32Array }): Promise<Float32Array>;
  run(sparse: SparseMatrix, dense: Uint16Array, extras?: { bias?: Uint16Array }): Promise<Uint16Array>;
  run(sparse: SparseMatrix, dense: GPUBuffer, extras?: { bias?: GPUBuffer; output?: GPUBuffer }): Promise<GPUBuffer>;
  readonly config: string;
  /** The kernel variant (`plain`, `subgroup`, `cols`, `coop`, `gemv-sg`, `gemv-plain`). */
  readonly variant: string;
  /** `result` against the f64 product of `sparse` (the dense form compressed, pruned as `compress` pruned it: `prune(dense)`) and `dense` (and `extras.bias`). */
  check(result: HostArray, sparse: HostArray, dense: HostArray, extras?: { bias?: HostArray }): Comparison;
  /** Times the plan with `sparse` on a zero-filled dense operand of its own. */
  time(sparse: SparseMatrix, options?: TimeOptions): Promise<Timing>;
  free(): void;
}

/** C = alpha·op(A)·op(B) + beta·C, row-major. */
export class GemmPlan {
  private constructor();
  /** Typed arrays: resolves to C as the same kind. GPUBuffers: `c` is the output (required); resolves to it once submitted. */
  run(a: Float32Array, b: Float32Array, c?: Float32Array): Promise<Float32Array>;
  run(a: Uint16Array, b: Uint16Array, c?: Uint16Array): Promise<Uint16Array>;
  run(a: GPUBuffer, b: GPUBuffer, c: GPUBuffer): Promise<GPUBuffer>;
  /** The configuration the dispatcher picked. */
  readonly config: string;
  /** The kernel variant of the configuration (`tiled`, `subgroup`, `coop`, `gemv`). */
  readonly variant: string;
  /** `result` (C) against the f64 product of `a`, `b` (and the input `c` when beta ≠ 0). */
  check(result: HostArray, a: HostArray, b: HostArray, c?: HostArray): Comparison;
  /** Times the plan on zero-filled operands of its own: `warmup` untimed runs (default 1), then `iters` timed (default 5). */
  time(options?: TimeOptions): Promise<Timing>;
  /** Releases the plan's wasm memory now (otherwise when it is garbage-collected). */
  free(): void;
}

/** Batched complex FFT over interleaved (re, im) values: 2·n·batch numbers in and out. */
export class FftPlan {
  private constructor();
  run(input: Float32Array): Promise<Float32Array>;
  run(input: Uint16Array): Promise<Uint16Array>;
  /** Into `output`, or a new buffer of the package when omitted. */
  run(input: GPUBuffer, output?: GPUBuffer): Promise<GPUBuffer>;
  readonly config: string;
  /** `stockham` or `monarch` for powers of two, `mixed`, `rader` or `bluestein` otherwise. */
  readonly variant: string;
  /** `result` against the f64 FFT of `input` (scaled by 1/n when inverse). */
  check(result: HostArray, input: HostArray): Comparison;
  /** Times the plan on zero-filled operands of its own: `warmup` untimed runs (default 1), then `iters` timed (default 5). */
  time(options?: TimeOptions): Promise<Timing>;
  free(): void;
}

/** Batched real FFT: n reals → n/2+1 interleaved complex bins per row, or back when `inverse`. */
export class RfftPlan {
  private constructor();
  run(input: Float32Array): Promise<Float32Array>;
  run(input: Uint16Array): Promise<Uint16Array>;
  run(input: GPUBuffer, output?: GPUBuffer): Promise<GPUBuffer>;
  /** The configuration of the inner complex FFT (n/2 points). */
  readonly config: string;
  /** The inner complex FFT's variant. */
  readonly variant: string;
  /** Times the plan on zero-filled operands of its own. */
  time(options?: TimeOptions): Promise<Timing>;
  free(): void;
}

/** A kernel spectrum prepared once for an FftConvPlan. */
export class KernelSpectrum {
  private constructor();
  free(): void;
}

/** y = (preGate ⊙ u) ∗ k ⊙ postGate over (batch, channels, length), one kernel per channel. */
export class FftConvPlan {
  private constructor();
  /** The kernels (channels × kernelLength, f32), prepared once for many runs. */
  prepareKernel(k: Float32Array): KernelSpectrum;
  run(u: Float32Array, k: KernelSpectrum | Float32Array, extras?: { preGate?: Float32Array; postGate?: Float32Array }): Promise<Float32Array>;
  run(u: Uint16Array, k: KernelSpectrum | Float32Array, extras?: { preGate?: Uint16Array; postGate?: Uint16Array }): Promise<Uint16Array>;
  run(u: GPUBuffer, k: KernelSpectrum | Float32Array, extras?: { preGate?: GPUBuffer; postGate?: GPUBuffer; output?: GPUBuffer }): Promise<GPUBuffer>;
  /** The path the dispatcher picked. */
  readonly path: string;
  /** Path, FFT length and segments, e.g. `fused n128 seg1`. */
  readonly config: string;
  /** The path, with ` sparse` when frequency-sparse. */
  readonly variant: string;
  /** `result` (y) against the f64 convolution of `u` with the kernels `k` and the gates of `extras`. */
  check(result: HostArray, u: HostArray, k: Float32Array, extras?: { preGate?: HostArray; postGate?: HostArray }): Comparison;
  /** Times the plan on zero-filled operands of its own: `warmup` untimed runs (default 1), then `iters` timed (default 5). */
  time(options?: TimeOptions): Promise<Timing>;
  free(): void;
}

/** The kernels on the package's own WebGPU device. */
export class Kernels {
  private constructor();
  /** Loads the wasm and requests a device with every feature and limit the kernels can use. */
  static create(options?: CreateOptions): Promise<Kernels>;
  /** The device every plan runs on, for the page's own buffers, pipelines and rendering. */
  readonly device: GPUDevice;
  readonly capabilities: Capabilities;
  /** A storage buffer (STORAGE | COPY_SRC | COPY_DST) plans accept: a byte length (zeroed) or data to upload. */
  createBuffer(init: number | HostArray): GPUBuffer;
  /** Reads a package buffer back (`length` elements; all when omitted). */
  read(buffer: GPUBuffer, dtype?: 'f32', length?: number): Promise<Float32Array>;
  read(buffer: GPUBuffer, dtype: 'f16', length?: number): Promise<Uint16Array>;
  /** Destroys a package buffer (the package keeps every buffer it made until then). */
  destroyBuffer(buffer: GPUBuffer): void;
  gemm(options: GemmOptions): GemmPlan;
  fft(options: FftOptions): FftPlan;
  rfft(options: FftOptions): RfftPlan;
  fftn(options: FftNdOptions): FftNdPlan;
  dctLowpass(options: DctLowpassOptions): DctLowpassPlan;
  /** The block mask an attention plan of `options` would run, as query head `head` (default 0)
   * sees it, without building the plan; null without a pattern. */
  attentionMask(options: AttentionOptions, head?: number): MaskInfo | null;
  fftconv(options: FftConvOptions): FftConvPlan;
  attention(options: AttentionOptions): AttentionPlan;
  sparseGemm(options: SparseGemmOptions): SparseGemmPlan;
  /** The attention pattern search (Sparse-vDiT) on sample Q, K, V: per query head the cheapest
   * candidate within `epsilon` of full attention; `patterns` feeds `attention({pattern})`. */
  searchPatterns(q: Float32Array, k: Float32Array, v: Float32Array, options: SearchOptions): Promise<SearchResult>;
  searchPatterns(q: Uint16Array, k: Uint16Array, v: Uint16Array, options: SearchOptions): Promise<SearchResult>;
  /** Measures the candidate configurations of `op` (every op when omitted; `rfft` tunes its
   * inner FFT under `fft`) on this adapter, for the shapes of the plans built so far or
   * `options.shapes`, and keeps the winners in memory for the page's lifetime: plans built
   * afterwards use them. Yields to the page between candidates. A second `tune` while one runs
   * rejects. */
  tune(op?: 'gemm' | 'fft' | 'rfft' | 'fftconv' | 'attention' | 'sparseGemm', options?: TuneOptions): Promise<TuneEntry[]>;
  /** Everything tuned on this device so far, in the native tuning cache file's form. */
  tuneResults(): TuneResults;
  /** Restores saved `tuneResults()`: plans built afterwards use their picks. Throws when they
   * were measured on another adapter, driver or package version; entries already tuned here
   * win (counted as `kept`). */
  importTuning(results: TuneResults): { imported: number; kept: number };
  /** What the dispatcher picks for `op`'s plan options here, without building the plan (no
   * pipeline compiles): the variant and configuration, and for every variant of the op whether
   * this adapter can run it and if not why. */
  explain(op: 'gemm', options: GemmOptions): Explanation;
  explain(op: 'fft' | 'rfft', options: FftOptions): Explanation;
  explain(op: 'fftconv', options: FftConvOptions): Explanation;
  explain(op: 'attention', options: AttentionOptions): Explanation;
  explain(op: 'sparseGemm', options: SparseGemmOptions): Explanation;
  /** Timings of `plan.time()` (or their rows) as a `wgkernels bench --json` report under this
   * adapter's peaks (measured on the first call, seconds, then kept), for `wgkernels compare`. */
  report(timings: (Timing | BenchRow)[], options?: ReportOptions): Promise<BenchReport>;
  /** Checks `op` (every op when omitted) against its f64 CPU reference; `onProgress` sees each check. */
  verify(op?: string, onProgress?: (check: Check) => void, tier?: 'standard' | 'full'): Promise<VerifyResult>;
  free(): void;
}
