//! The command line: commands, their arguments and the help text.

use crate::*;

#[derive(Parser)]
#[command(
    name = "wgkernels",
    version,
    about = "Cross-vendor GPU kernels on wgpu: info, verify, bench, run.\n\nSelect the adapter with WGPU_BACKEND=vulkan|gl|metal|dx12 and WGPU_ADAPTER_NAME=<substring>."
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
    /// Directory of the tuning cache (default: $WGKERNELS_CACHE_DIR, else the user cache
    /// directory + /wgkernels). The tuning mode of library calls is $WGKERNELS_TUNE
    /// (off | cached | auto; default cached).
    #[arg(long, global = true)]
    pub(crate) cache_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Adapter, backend, driver, features (f16, subgroups, cooperative matrices, timestamps), limits.
    Info {
        /// Write the info as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Every op and variant the adapter supports against its CPU reference (exit 1 on failure).
    Verify {
        /// Ops to verify (default: all). Known: gemm, fft, fftconv, attention, sparse_gemm.
        ops: Vec<String>,
        /// The whole matrix (every candidate configuration, every N:M pattern, every head dim,
        /// million-point transforms), not only the standard tier's shapes: many more
        /// pipelines, so tens of minutes on a cold CPU adapter.
        #[arg(long)]
        full: bool,
        /// Write the checks as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// The vendor report: measured peaks, then each op × shape (JSON, Markdown, SVG charts).
    Bench(BenchArgs),
    /// Measure every candidate configuration of each op's bench shapes on this adapter and store
    /// the winners (and every candidate's time) in the tuning cache.
    Tune {
        /// Ops to tune (default: all). Known: gemm, fft, fftconv, attention, sparse_gemm.
        ops: Vec<String>,
        /// Only the shapes of `bench --quick`, fewer timed runs.
        #[arg(long)]
        quick: bool,
        /// Re-measure buckets that are already cached.
        #[arg(long)]
        force: bool,
        /// Merge the tuning entries of FILE (written by `--export`, on this or other adapters)
        /// into the per-adapter caches instead of measuring: this adapter's entries into its
        /// cache (entries measured here win), another adapter's into that adapter's own file,
        /// never into this one; entries of another driver or wgkernels version are refused.
        #[arg(long, value_name = "FILE")]
        import: Option<PathBuf>,
        /// Write this adapter's tuning cache into FILE instead of measuring (added to the
        /// adapters FILE already holds, replacing this adapter's earlier export), for an
        /// application to ship and `--import`.
        #[arg(long, value_name = "FILE")]
        export: Option<PathBuf>,
    },
    /// Several bench reports (--json files) side by side, with speed ratios against the first.
    /// Exit 2 if a file is unreadable or not a bench report.
    Compare {
        /// Report files written by `wgkernels bench --json` (at least two).
        #[arg(required = true, num_args = 1..)]
        files: Vec<PathBuf>,
        /// Also write the table as Markdown (and the chart next to it, unless --svg is given).
        #[arg(long)]
        md: Option<PathBuf>,
        /// Write the relative-speed chart (SVG) here.
        #[arg(long)]
        svg: Option<PathBuf>,
        /// Write the roofline chart of every report (SVG) here (default: next to --md/--html).
        #[arg(long)]
        roofline: Option<PathBuf>,
        /// Write one self-contained HTML page (tables and charts inline) here.
        #[arg(long)]
        html: Option<PathBuf>,
    },
    /// Run one op on .npy files (f32 or f16, C order).
    Run {
        #[command(subcommand)]
        op: RunOp,
    },
}

#[derive(Args, Clone)]
pub(crate) struct BenchArgs {
    /// Ops to bench (default: all). Known: gemm, fft, fftconv, attention, sparse_gemm.
    pub(crate) ops: Vec<String>,
    /// Fewer shapes and repetitions (under a minute on lavapipe).
    #[arg(long)]
    pub(crate) quick: bool,
    /// Write the report as JSON to this file.
    #[arg(long)]
    pub(crate) json: Option<PathBuf>,
    /// Write the report as Markdown to this file.
    #[arg(long)]
    pub(crate) md: Option<PathBuf>,
    /// Write the results as CSV (one line per row) to this file.
    #[arg(long)]
    pub(crate) csv: Option<PathBuf>,
    /// Write one self-contained HTML page (tables and charts inline, no network) to this file.
    #[arg(long)]
    pub(crate) html: Option<PathBuf>,
}

#[derive(Subcommand)]
pub(crate) enum RunOp {
    /// C = act(alpha·op(A)·op(B) + bias) + beta·C. A: [batch,] M×K (K×M with --trans-a); B:
    /// [batch,] K×N (N×K with --trans-b); optional C: [batch,] M×N (needed when beta ≠ 0).
    Gemm {
        /// Input files in order: A, B, and optionally C.
        #[arg(long = "in", required = true, num_args = 1)]
        inputs: Vec<PathBuf>,
        /// Output file for C (same dtype as the inputs).
        #[arg(long)]
        out: PathBuf,
        /// A is stored transposed (K×M).
        #[arg(long)]
        trans_a: bool,
        /// B is stored transposed (N×K).
        #[arg(long)]
        trans_b: bool,
        /// Scale of the product.
        #[arg(long, default_value_t = 1.0)]
        alpha: f32,
        /// Scale of the input C.
        #[arg(long, default_value_t = 0.0)]
        beta: f32,
        /// Bias file (N values) added to every row before the activation (the linear layer:
        /// `--trans-b` with B = W stored out × in).
        #[arg(long)]
        bias: Option<PathBuf>,
        /// Activation fused into the store: none, relu, gelu (tanh form) or silu.
        #[arg(long, default_value = "none")]
        activation: String,
    },
    /// Block-sparse flash attention. Q: [B,] Hq×Nq×D; K, V: [B,] Hkv×Nkv×D (f32 or f16);
    /// writes O shaped like Q.
    Attention(AttnRunArgs),
    /// Sparse-vDiT pattern search on sample Q, K, V of one layer: per head the cheapest pattern
    /// within the error threshold, and the predicted speedup.
    AttentionSearch(AttnSearchArgs),
    /// Complex FFT of a (..., 2) array of interleaved (re, im) pairs (f32 or f16) along the
    /// last axis or --axes (any of the last three, any lengths), NumPy's --norm.
    Fft {
        #[command(flatten)]
        t: TransformArgs,
        /// Inverse transform.
        #[arg(long)]
        inverse: bool,
    },
    /// Real FFT (NumPy's rfftn: the last transformed axis halved to n/2+1, output (..., 2));
    /// --inverse: irfftn of a (..., bins, 2) array back to reals.
    Rfft {
        #[command(flatten)]
        t: TransformArgs,
        /// irfftn instead of rfftn.
        #[arg(long)]
        inverse: bool,
        /// irfftn: real length of the last transformed axis (default 2·(bins − 1)).
        #[arg(long)]
        n: Option<u32>,
    },
    /// DCT (SciPy's dctn: --type 2, 3 or 4) or, with --dst, DST-II of a real array.
    Dct {
        #[command(flatten)]
        t: TransformArgs,
        /// Transform type.
        #[arg(long = "type", default_value_t = 2)]
        kind: u32,
        /// DST instead of DCT.
        #[arg(long)]
        dst: bool,
    },
    /// FFT convolution: --in u.npy (B, H, L) --in k.npy (H, Lk) [--in pre.npy] [--in post.npy]
    /// (gates shaped like u, in that order when both are given), output y (B, H, L).
    Fftconv {
        /// Input files in order: u, k, then the gates the flags ask for.
        #[arg(long = "in", required = true, num_args = 1)]
        inputs: Vec<PathBuf>,
        /// Output file for y.
        #[arg(long)]
        out: PathBuf,
        /// Circular instead of causal.
        #[arg(long)]
        circular: bool,
        /// A pre-gate file follows k.
        #[arg(long)]
        pre_gate: bool,
        /// A post-gate file follows (after the pre-gate).
        #[arg(long)]
        post_gate: bool,
        /// Frequency-sparse: the fraction of frequency classes kept.
        #[arg(long)]
        freq_keep: Option<f32>,
    },
    /// N:M structured-sparse GEMM. Default (matmul): inputs A ([batch,] M×K, N:M sparse along K),
    /// B ([batch,] K×N), optional bias (M) -> C = A·B + bias. With --linear (torch F.linear):
    /// inputs W (out×in, N:M sparse along in), X ([batch,] tokens×in), optional bias (out)
    /// -> Y = X·Wᵀ + bias. A/W is compressed before the GPU sees it; if it is not N:M the error
    /// names the first offending group, unless --prune.
    #[command(name = wgkernels::ops::sparse_gemm::NAME, alias = "sparse-gemm")]
    SparseGemm {
        /// Input files in order: A (or W), B (or X), and optionally the bias.
        #[arg(long = "in", required = true, num_args = 1)]
        inputs: Vec<PathBuf>,
        /// Output file for C (or Y), same dtype as the inputs.
        #[arg(long)]
        out: PathBuf,
        /// The sparsity pattern N:M (any 1 <= N < M <= 16).
        #[arg(long, default_value = "2:4")]
        pattern: String,
        /// The linear form Y = X·Wᵀ + bias.
        #[arg(long)]
        linear: bool,
        /// Prune the sparse operand to the pattern (keep the N largest magnitudes of every M).
        #[arg(long)]
        prune: bool,
    },
    /// Prune a matrix to N:M along its last axis (keep the N largest magnitudes of every group of
    /// M, ties to the lower index); optionally also write the compressed values and metadata.
    Prune {
        /// The dense matrix (any rank >= 1; groups run along the last axis).
        #[arg(long = "in", required = true)]
        input: PathBuf,
        /// Output file for the pruned dense matrix (same shape and dtype).
        #[arg(long)]
        out: PathBuf,
        /// The sparsity pattern N:M.
        #[arg(long, default_value = "2:4")]
        pattern: String,
        /// Also write the compressed values, [rows, K·N/M].
        #[arg(long)]
        values: Option<PathBuf>,
        /// Also write the metadata words (uint32), [rows, ceil(K·N/M / P)].
        #[arg(long)]
        meta: Option<PathBuf>,
    },
}

#[derive(Args)]
pub(crate) struct AttnRunArgs {
    /// Input files in order: Q, K, V.
    #[arg(long = "in", required = true, num_args = 1)]
    pub(crate) inputs: Vec<PathBuf>,
    /// Output file for O.
    #[arg(long)]
    pub(crate) out: PathBuf,
    /// Also write the per-row log-sum-exp (f32, [B,] Hq×Nq) to this file.
    #[arg(long)]
    pub(crate) lse: Option<PathBuf>,
    /// Pattern for every head, e.g. `causal`, `window:128`, `frames:1024:2:32`,
    /// `window:64+every:256&causal`, `window:1024:0+sink:4` (sink tokens: the first 4 keys)
    /// (`+` union, `&` intersection). Default: dense.
    #[arg(long)]
    pub(crate) pattern: Option<String>,
    /// Per-head patterns from `run attention-search --json` (overrides --pattern).
    #[arg(long)]
    pub(crate) plan: Option<PathBuf>,
    /// Query block size of the mask (16..128, power of two); default: the dispatcher's.
    #[arg(long)]
    pub(crate) block_q: Option<u32>,
    /// KV block size of the mask (16..128, power of two); default: the dispatcher's.
    #[arg(long)]
    pub(crate) block_kv: Option<u32>,
    /// Softmax scale (default 1/sqrt(D)).
    #[arg(long)]
    pub(crate) scale: Option<f32>,
    /// Tanh soft-capping of the scaled scores: cap·tanh(s/cap).
    #[arg(long)]
    pub(crate) softcap: Option<f32>,
    /// The value head dim Dv (V's last dimension, which may differ from Q's and K's, e.g. 128
    /// against 192): checked against V, an error when they disagree. O is (…, Nq, Dv).
    #[arg(long)]
    pub(crate) dv: Option<u32>,
    /// ALiBi: `--alibi` alone takes the standard slopes for the query heads; `--alibi FILE`
    /// reads one slope per query head (numbers separated by spaces, commas or newlines).
    #[arg(long, num_args = 0..=1, default_missing_value = "standard")]
    pub(crate) alibi: Option<String>,
    /// One sink logit per query head from FILE (numbers separated by spaces, commas or
    /// newlines): joins the softmax denominator with no value row; the LSE includes it.
    #[arg(long)]
    pub(crate) sinks: Option<PathBuf>,
    /// T5 relative-position bias: FILE holds `--t5-buckets` values per query head, head after
    /// head (numbers separated by spaces, commas or newlines), added by the bucket of j − i'.
    #[arg(long)]
    pub(crate) t5: Option<PathBuf>,
    /// Buckets per head of `--t5`.
    #[arg(long, default_value_t = 32)]
    pub(crate) t5_buckets: u32,
    /// Distance from which `--t5` keys share the last bucket.
    #[arg(long, default_value_t = 128)]
    pub(crate) t5_max_dist: u32,
    /// Decoder (causal) T5 buckets: keys after the query share bucket 0. Default: bidirectional.
    #[arg(long)]
    pub(crate) t5_causal: bool,
    /// An additive bias on the scaled scores, an f32 `.npy` of shape (Nq, Nkv), (H, Nq, Nkv) or
    /// (B, H, Nq, Nkv), where H and B may be 1 to broadcast over heads and batches.
    #[arg(long)]
    pub(crate) bias: Option<PathBuf>,
    /// Paged KV cache: K and V are page pools (P, Hkv, page_size, D), and FILE has one line
    /// per sequence: its length, then its pages in logical order (numbers separated by spaces
    /// or commas; 0 alone: an idle slot). Q's Nq queries are each sequence's last Nq positions
    /// (a causal chunk; Nq = 1 for decode); a pattern indexes logical key positions.
    #[arg(long)]
    pub(crate) pages: Option<PathBuf>,
}

#[derive(Args)]
pub(crate) struct AttnSearchArgs {
    /// Sample inputs in order: Q, K, V.
    #[arg(long = "in", required = true, num_args = 1)]
    pub(crate) inputs: Vec<PathBuf>,
    /// Weight of the work density in the score (lambda).
    #[arg(long, default_value_t = 0.02)]
    pub(crate) lambda: f64,
    /// Largest relative MSE against full attention a pattern may have (epsilon).
    #[arg(long, default_value_t = 0.05)]
    pub(crate) epsilon: f64,
    /// Frame length of a video token layout (adds multi-diagonal candidates).
    #[arg(long)]
    pub(crate) frame_len: Option<u32>,
    /// Candidate patterns separated by `;` (default: full, skip, windows, frames, stripes).
    #[arg(long)]
    pub(crate) candidates: Option<String>,
    /// Query block size of the masks.
    #[arg(long)]
    pub(crate) block_q: Option<u32>,
    /// KV block size of the masks.
    #[arg(long)]
    pub(crate) block_kv: Option<u32>,
    /// Write the plan as JSON (readable by `run attention --plan`).
    #[arg(long)]
    pub(crate) json: Option<PathBuf>,
    /// Also time dense attention against the plan on the sample (measured speedup).
    #[arg(long)]
    pub(crate) measure: bool,
}

/// The options `run fft`, `run rfft` and `run dct` share.
#[derive(clap::Args, Debug)]
pub struct TransformArgs {
    /// Input file.
    #[arg(long = "in", required = true)]
    pub input: PathBuf,
    /// Output file.
    #[arg(long)]
    pub out: PathBuf,
    /// Axes to transform, NumPy-style (negative from the end), among the last three; default
    /// the last.
    #[arg(long, allow_hyphen_values = true)]
    pub axes: Option<String>,
    /// Normalisation: backward (default), ortho or forward.
    #[arg(long, default_value = "backward")]
    pub norm: String,
}
