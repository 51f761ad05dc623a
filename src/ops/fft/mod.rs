//! Batched complex FFT: natural order in and out, interleaved `(re, im)` pairs, f32 or f16
//! storage with f32 arithmetic.
//!
//! ```text
//! forward:  X[k] = Σ_n x[n]·exp(-2πi·nk/N)            (unnormalised)
//! inverse:  x[n] = (1/N)·Σ_k X[k]·exp(+2πi·nk/N)
//! ```
//! Data is `batch` contiguous transforms of `n` complex values, `2·n·batch` scalars. Powers of
//! two run as Stockham passes (one fused dispatch while a transform fits workgroup memory,
//! 4096 points on most adapters, then a few large-radix passes); lengths whose prime factors are
//! all ≤ 53 run the mixed-radix kernel (`mixed`, shaders/fft/mixed.wgsl): one dispatch where
//! they fit workgroup memory (4096 points on 32 KiB), two up to the square of that; primes
//! whose n − 1 it takes in one dispatch run Rader's algorithm on it (`rader.rs`: two transforms
//! of n − 1 points in one dispatch); every other length runs
//! Bluestein's chirp-z algorithm on a power-of-two FFT of length ≥ 2n−1, its chirp products and
//! pointwise product fused into the first and last passes. Where subgroups are exactly 8 lanes
//! (lavapipe), 4096-point first passes and 256-point passes run on subgroup kernels that move
//! data between lanes with subgroup shuffles instead of workgroup memory
//! (shaders/fft/stockham_sg.wgsl, [`FftConfig::sg_entry`]).

#[cfg(not(target_arch = "wasm32"))]
pub mod bench;
pub mod config;
pub mod dct2_plane;
pub mod filter;
mod filter_fused;
mod mixed;
pub mod monarch_config;
pub mod nd;
pub mod nd_tune;
pub(crate) mod permute;
pub mod r2r;
mod rader;
pub mod reference;
pub mod rfft;
pub mod shaders;
pub mod tune;
pub mod verify;
pub mod work;

use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::ops::fft::config::FftConfig;
use crate::runtime::pipelines::Spec;
use crate::runtime::{read_buffer, Context, Operand};
use std::sync::Arc;

pub(crate) mod monarch;
pub use mixed::{
    mixed_constants, mixed_max_points, mixed_passes, mixed_radices, RADICES as MIXED_RADICES,
};
pub use monarch::monarch_pass_constants;
pub use rader::{rader_constants, rader_split};

/// Shape and direction of a batched complex FFT.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FftDesc {
    /// Points per transform (any length ≥ 1).
    pub n: u32,
    /// Number of transforms.
    pub batch: u32,
    /// Storage type of the complex values.
    pub dtype: DType,
    /// Inverse transform (scaled by 1/n) instead of the forward one.
    pub inverse: bool,
}

impl FftDesc {
    /// A forward f32 transform of `n` points, batch 1.
    pub fn new(n: u32) -> Self {
        Self {
            n,
            batch: 1,
            dtype: DType::F32,
            inverse: false,
        }
    }
    /// Sets the batch count.
    pub fn batch(mut self, batch: u32) -> Self {
        self.batch = batch;
        self
    }
    /// Sets the storage type.
    pub fn dtype(mut self, dtype: DType) -> Self {
        self.dtype = dtype;
        self
    }
    /// Selects the inverse (true) or forward (false) transform.
    pub fn inverse(mut self, inverse: bool) -> Self {
        self.inverse = inverse;
        self
    }
    /// Scalars of the input and of the output (2 per complex value).
    pub fn len(&self) -> u64 {
        2 * self.n as u64 * self.batch as u64
    }
    /// Whether the transform is empty (never true for a valid descriptor).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Whether `n` is a power of two (no Bluestein step).
    pub fn is_pow2(&self) -> bool {
        self.n.is_power_of_two() && self.n >= 2
    }
    /// The power-of-two length of the transform's Stockham passes: n itself, or Bluestein's
    /// ≥ 2n−1 (what a length runs on if it takes Bluestein; mixed and Rader lengths do not).
    pub fn inner_len(&self) -> u64 {
        if self.is_pow2() {
            self.n as u64
        } else {
            (2 * self.n as u64 - 1).next_power_of_two().max(2)
        }
    }
    /// Bytes of input (and of output).
    pub fn bytes(&self) -> u64 {
        self.len() * self.dtype.size()
    }

    /// Checks dimensions; nothing about the device.
    pub fn validate(&self) -> Result<()> {
        if self.n == 0 {
            return Err(Error::ZeroSized("FFT length n"));
        }
        if self.batch == 0 {
            return Err(Error::ZeroSized("FFT batch"));
        }
        check_indexable(self.batch, self.n, self.n as u64)
    }
}

/// Refuses `batch` transforms of `n` points whose working storage, `inner` complex values each,
/// is more than one binding can index (2^31 values): the data itself (checked by
/// [`FftDesc::validate`]), and Bluestein's inner transforms (checked where they are planned).
fn check_indexable(batch: u32, n: u32, inner: u64) -> Result<()> {
    let values = inner * batch as u64;
    if values > (1u64 << 31) {
        return Err(Error::Shape(format!(
            "FFT of {batch} x {n} points needs {values} complex values of working storage, over \
             the 2^31 one binding can index"
        )));
    }
    Ok(())
}

/// Uniform parameters of one pass (mirrors `FftParams` in fft_base.wgsl).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub(crate) struct FftParams {
    pub n: u32,
    pub log_n: u32,
    pub ns: u32,
    pub log_ns: u32,
    pub cols: u32,
    pub batch: u32,
    pub log_tw: u32,
    pub log_f: u32,
    pub in_off: u32,
    pub out_off: u32,
    pub scale: f32,
    pub flags: u32,
    pub a: [u32; 8],
}

/// Conjugate the input of a pass.
pub(crate) const CONJ_IN: u32 = 1;
/// Conjugate the output of a pass.
pub(crate) const CONJ_OUT: u32 = 2;

/// The twiddle table of base length 2^log_tw, computed in f64 (the layout fft_core.wgsl reads):
/// the stage table S[L + i] = exp(-2πi·i/L) for every power of two L ≤ 2^min(log_tw, 13) (entry
/// 0 unused), then `fine` (2^log_f entries of exp(-2πi·i/2^log_tw)) and `coarse`
/// (exp(-2πi·j·2^log_f/2^log_tw)), padded to whole vec4 pairs. Returns (table, log_f).
pub(crate) fn twiddle_table(log_tw: u32) -> (Vec<[f32; 2]>, u32) {
    let log_f = log_tw.div_ceil(2);
    let polar = |i: u64, n: u64| {
        let a = -2.0 * std::f64::consts::PI * i as f64 / n as f64;
        [a.cos() as f32, a.sin() as f32]
    };
    let stage_len = 2u64 << log_tw.min(13);
    let mut t: Vec<[f32; 2]> = vec![[0.0, 0.0]; stage_len as usize];
    let mut l = 1u64;
    while l < stage_len {
        for i in 0..l {
            t[(l + i) as usize] = polar(i, l);
        }
        l *= 2;
    }
    let n = 1u64 << log_tw;
    let f = 1u64 << log_f;
    t.extend((0..f).map(|i| polar(i, n)));
    t.extend((0..n / f).map(|j| polar(j * f, n)));
    if t.len() % 2 == 1 {
        t.push([0.0, 0.0]);
    }
    (t, log_f)
}

/// Geometry of one Stockham pass of a power-of-two transform.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PassGeom {
    /// log2 of the sub-FFT length.
    pub log_p: u32,
    /// Columns per workgroup.
    pub m: u32,
    /// log2 of the span before the pass.
    pub log_ns: u32,
}

impl PassGeom {
    /// Override constants of the pass (FFT core part).
    pub fn constants(&self, cfg: &FftConfig) -> Vec<(&'static str, f64)> {
        let p = 1u32 << self.log_p;
        vec![
            ("FFT_P", p as f64),
            ("FFT_M", self.m as f64),
            ("FFT_SM", (p * self.m / 2) as f64),
            ("FFT_E", cfg.e as f64),
            ("FFT_WG", (p * self.m / cfg.e) as f64),
            ("FFT_TW_IN", (self.log_ns > 0) as u8 as f64),
        ]
    }
    /// Whether the pass runs in place on the output: the last pass of a multi-pass transform
    /// (ns·P = n) reads column j's values at j + r·ns and writes them to the same places, and no
    /// other column touches them. Its stores, ns·8 bytes apart, then land on lines its own loads
    /// brought into the cache; out of place, each store first fetched a line from memory (on
    /// lavapipe the last pass of 2^16 ran 1.3x faster in place, 2^20 as a whole 1.25x).
    pub fn in_place(&self, log_n: u32) -> bool {
        self.log_ns > 0 && self.log_ns + self.log_p == log_n
    }

    /// Workgroups for `batch` transforms of 2^log_n points.
    pub fn workgroups(&self, log_n: u32, batch: u32) -> u64 {
        let cols = (batch as u64) << (log_n - self.log_p);
        cols.div_ceil(self.m as u64)
    }
}

/// The passes of a 2^log_n-point transform under `cfg`: one fused pass while it fits workgroup
/// memory (several transforms per workgroup), else ⌈log_n / log_mp⌉ passes of at most log_mp
/// points each, split so that the passes run the fewest butterfly stages in all (a pass of 2^p
/// points runs ⌈p/4⌉, mostly radix 16: every stage is a round trip through workgroup memory),
/// near-equal sizes among those, the larger passes first.
pub(crate) fn schedule(cfg: &FftConfig, log_n: u32) -> Vec<PassGeom> {
    if log_n <= cfg.log_cap {
        return vec![PassGeom {
            log_p: log_n,
            m: 1 << (cfg.log_cap - log_n),
            log_ns: 0,
        }];
    }
    let k = log_n.div_ceil(cfg.log_mp());
    let sizes = pass_sizes(log_n, k, cfg.log_mp());
    let mut out = Vec::new();
    let mut log_ns = 0;
    for log_p in sizes {
        let m = 1 << (cfg.log_cap - log_p).min(log_n - log_p);
        out.push(PassGeom { log_p, m, log_ns });
        log_ns += log_p;
    }
    out
}

/// The passes of a plain (power-of-two, not Bluestein) 2^log_n-point transform: [`schedule`],
/// except under the 8-lane subgroup kernels: 8192, 16384 and 65536 points run as one pass
/// (`p8192`, `p16384`: p4096 per part with a radix-2 or radix-4 step in registers, one transform
/// per workgroup; `p65536`: one workgroup per transform runs 256 × 256 with the second half in
/// place while the transform is in the L2), and 32768 … 2^20 as [`sg_split`] splits them. In
/// alternating rounds on lavapipe (Mesa 22.3, `examples/fft_configs`) against the former split
/// (`p256`, then `p32c` / `p64c` in place): 8192 0.83–0.85× the time, 16384 0.93–0.95×; the same
/// kernel for 32768 (radix 8: 11 s to compile cold) took 1.09×, so 32768 stays split.
pub(crate) fn pow2_schedule(cfg: &FftConfig, log_n: u32) -> Vec<PassGeom> {
    if cfg.subgroup_passes() && cfg.log_cap == 12 && matches!(log_n, 13 | 14 | 16) {
        return vec![PassGeom {
            log_p: log_n,
            m: 1,
            log_ns: 0,
        }];
    }
    if let Some(sizes) = sg_split(cfg, log_n) {
        return passes_of(cfg, log_n, sizes);
    }
    schedule(cfg, log_n)
}

/// The split of 32768 … 2^20 (but 65536) under the 8-lane subgroup kernels: two or three passes
/// that start with a 256-point pass (`p256` at span 1) and end with a 64- or 128-point
/// lane-per-column pass in place (`p64c`, `p128c` with `SG_IN_PLACE`: adjacent columns in
/// adjacent lanes, so each store of a subgroup is one 64-byte run instead of `p256`'s 8-byte
/// values ns·8 bytes apart); 2^18 … 2^20 put a 16- or 32-point lane-per-column pass between them
/// (`p16c`, `p32c` after the first pass: cross-pass twiddles as powers of one table lookup).
/// 32768 = 256 × 128, 2^18 = 256 × 16 × 64, 2^19 = 256 × 16 × 128, 2^20 = 256 × 32 × 128; 2^17
/// runs as 2048 × 64 (`p2048`, then `p64c` in place; 256 × 16 × 32 lost to it). In alternating
/// rounds on lavapipe 22.3 (`examples/fft_configs`, docs/kernel-notes.md, "Lane-per-column last passes")
/// against the former splits (128 × 256, 512 × 256, 1024 × 256, 2048 × 256, 16 × 256 × 256):
/// 32768 0.76–0.84×, 2^17 0.81–0.89×, 2^18 0.82–0.83×, 2^19 0.77–0.81×, 2^20 0.88–0.91×.
fn sg_split(cfg: &FftConfig, log_n: u32) -> Option<&'static [u32]> {
    if !(cfg.subgroup_passes() && cfg.log_cap == 12) {
        return None;
    }
    match log_n {
        15 => Some(&[8, 7]),
        17 => Some(&[11, 6]),
        18 => Some(&[8, 4, 6]),
        19 => Some(&[8, 4, 7]),
        20 => Some(&[8, 5, 7]),
        _ => None,
    }
}

/// The passes of log2 sizes `sizes` (first pass first) of a 2^log_n-point transform, each as
/// wide as [`schedule`] makes it.
fn passes_of(cfg: &FftConfig, log_n: u32, sizes: &[u32]) -> Vec<PassGeom> {
    let mut log_ns = 0;
    sizes
        .iter()
        .map(|&log_p| {
            let g = PassGeom {
                log_p,
                m: 1 << (cfg.log_cap - log_p).min(log_n - log_p),
                log_ns,
            };
            log_ns += log_p;
            g
        })
        .collect()
}

/// log2 sizes of `k` passes (each 2..=max) summing to `log_n`: the fewest stages (Σ⌈p/4⌉),
/// then the smallest spread between the largest and smallest pass, larger passes first.
fn pass_sizes(log_n: u32, k: u32, max: u32) -> Vec<u32> {
    fn walk(
        left: u32,
        parts: u32,
        hi: u32,
        cur: &mut Vec<u32>,
        best: &mut Option<(u32, u32, Vec<u32>)>,
    ) {
        if parts == 0 {
            if left == 0 {
                let stages = cur.iter().map(|p| p.div_ceil(4)).sum::<u32>();
                let spread = cur[0] - cur[cur.len() - 1];
                if best.as_ref().is_none_or(|b| (stages, spread) < (b.0, b.1)) {
                    *best = Some((stages, spread, cur.clone()));
                }
            }
            return;
        }
        for p in (2..=hi.min(left)).rev() {
            cur.push(p);
            walk(left - p, parts - 1, p, cur, best);
            cur.pop();
        }
    }
    let mut best = None;
    walk(log_n, k, max, &mut Vec::new(), &mut best);
    best.map(|b| b.2).unwrap_or_else(|| {
        // Unreachable for valid configurations (k·max ≥ log_n, max ≥ 4): near-equal sizes.
        let (base, extra) = (log_n / k, log_n % k);
        (0..k).map(|i| base + (i < extra) as u32).collect()
    })
}

/// Override constants and workgroup count of a pass on the subgroup kernel `entry`.
pub(crate) fn sg_pass(
    g: &PassGeom,
    log_n: u32,
    batch: u32,
    entry: &str,
) -> (Vec<(&'static str, f64)>, u64) {
    let cols = (batch as u64) << (log_n - g.log_p);
    match entry {
        "p256" | "p256c" => {
            let c = vec![
                ("SG_TW_IN", (g.log_ns > 0) as u8 as f64),
                ("SG_SPAN1", (g.log_ns == 0) as u8 as f64),
                ("SG_IN_PLACE", g.in_place(log_n) as u8 as f64),
            ];
            (c, cols.div_ceil(8))
        }
        "p1024" | "p512" | "p2048" => (
            vec![("SG_WHOLE", (g.log_p == log_n) as u8 as f64)],
            cols.div_ceil(8),
        ),
        "p16c" | "p32c" | "p64c" | "p128c" => {
            let c = if g.in_place(log_n) {
                vec![("SG_IN_PLACE", 1.0)]
            } else {
                Vec::new()
            };
            (c, cols.div_ceil(64))
        }
        _ => (Vec::new(), cols),
    }
}

/// Whether `n`-point transforms run on the mixed-radix kernel on `ctx`'s device
/// ([`mixed_passes`]): lengths other than powers of two whose prime factors are ≤ 53, in one
/// pass where they fit workgroup memory, else two.
pub fn runs_mixed(ctx: &Context, n: u32) -> bool {
    mixed_passes(n, mixed_max_points(&ctx.limits())).is_some()
}

/// Whether `n`-point transforms at a stride (the column passes of N-D transforms) run on the
/// mixed-radix kernel: one pass only ([`mixed_radices`]).
pub fn runs_mixed_strided(ctx: &Context, n: u32) -> bool {
    mixed_radices(n, mixed_max_points(&ctx.limits())).is_some()
}

/// Whether `n`-point transforms run Rader's algorithm on `ctx`'s device: primes over 53 whose
/// n − 1 the mixed-radix kernel takes in one dispatch (two transforms of n − 1 points in one
/// dispatch), and such a prime times a smooth length one pass takes (a second pass; see
/// `rader.rs`).
pub fn runs_rader(ctx: &Context, n: u32) -> bool {
    rader::rader_split(n, mixed_max_points(&ctx.limits())).is_some()
}

/// Whether `n`-point transforms run on the mixed-radix kernel, directly or by Rader's algorithm:
/// no configuration field changes them, so they take the default untuned.
pub(crate) fn runs_untuned(ctx: &Context, n: u32) -> bool {
    runs_mixed(ctx, n) || runs_rader(ctx, n)
}

/// The route a length takes on `ctx`'s device, as check and bench rows name it: `None` for
/// powers of two (the configuration's variant names it), else `mixed`, `rader` or `bluestein`.
pub fn length_route(ctx: &Context, n: u32) -> Option<&'static str> {
    if n.is_power_of_two() && n >= 2 {
        None
    } else if runs_mixed(ctx, n) {
        Some("mixed")
    } else if runs_rader(ctx, n) {
        Some("rader")
    } else {
        Some("bluestein")
    }
}

/// Whether `desc` runs under `cfg` as one fused plain-Stockham pass: what a strided plan
/// ([`FftPlan::new_strided`]) needs, and what the N-D planner asks before it plans one.
pub(crate) fn strided_fits(cfg: &FftConfig, desc: &FftDesc) -> bool {
    if !desc.is_pow2() || cfg.variant() != crate::ops::fft::config::FftVariant::Stockham {
        return false;
    }
    let log_n = desc.n.trailing_zeros();
    let sched = schedule(cfg, log_n);
    sched.len() == 1 && cfg.sg_entry(sched[0].log_p, 0, log_n).is_none()
}

/// The longest column stride (in values) at which a 256-point column pass in place runs as one
/// `p256v` pass rather than two `p16v` passes. Why: `p256v` holds eight columns' 256 values per
/// subgroup between its loads and its stores to the same lines, and at wide strides those lines
/// share a few cache sets and are evicted in between. On lavapipe 22.3 (2-core AMD EPYC, 1 MiB
/// L2 per core; alternating rounds of the whole `[b, 256, s]` c2c over the last two axes, f32,
/// 2^24 values) the transform with `p256v` took 0.88× the time with `p16v` × 2 at stride 1024,
/// 0.93–0.95× at 4096, 1.26× at 8192 and 1.23–1.37× at 16384. 256³ c2c (strides 256 and 65536)
/// this way took 0.81–0.83× the time of `p256v` at both strides (docs/kernel-notes.md, stop 37). f16 storage
/// (half the bytes per line) keeps `p256v` at every stride: 0.79–0.93× the time of `p16v` × 2
/// at strides 4096 … 65536, 256³ 0.93× the time of this limit (docs/kernel-notes.md, stop 37).
pub(crate) const P256V_MAX_STRIDE: u32 = 4096;

/// The longest column stride (in values) at which 1024-point columns run on the lane kernels
/// (`p16v` then `p64l`); wider ones run the plain strided pass. Why: as with `p256v`, `p64l`'s
/// 64 lines per subgroup share a few cache sets at wide strides. Same machine and method as
/// [`P256V_MAX_STRIDE`], whole `[b, 1024, s]` c2c over the last two axes (2^24 values), lane
/// kernels against the plain pass: 0.82× the time at stride 1024, 0.90 / 0.94 / 1.15× at 2048
/// (three runs), 1.14–1.18× at 4096 and 1.10× at 8192; `[1024, 16384]` over both axes
/// 1.12–1.13×, `[1024, 4096]` 1.09–1.13× (docs/kernel-notes.md, stop 37).
pub(crate) const LANES_1024_MAX_STRIDE: u32 = 2048;

/// The passes (log2 sizes) of a strided column transform of 2^log_n points on the
/// lane-per-column subgroup kernels, if `cfg` runs them and the stride is a power of two ≥ 2:
/// 4096 points as three `p16v` passes (two adjacent columns per invocation, vec4 loads, the DFT in
/// registers); 1024 points at strides up to [`LANES_1024_MAX_STRIDE`] as `p16v` then `p64l`
/// (one column per invocation, 64 values in registers); 256 points in place (`in_place`: after
/// an N-D chain's first step) at strides up to [`P256V_MAX_STRIDE`] (any stride in f16) as one
/// `p256v` pass (the whole column in one invocation's registers), otherwise as two `p16v`
/// passes.
/// Each load and store of a subgroup is then one run of whole lines; the plain core's strided
/// pass runs one 4096-point column per workgroup and uses 8 bytes of each line it touches. On
/// lavapipe 22.3 (alternating rounds, `direct+strided` = 1): 4096² c2c 0.34–0.44×; 256³ 0.58–0.65×
/// with `p256v` in place, 0.73× with `p16v` there; as the first step, 256-point columns at stride
/// 256 took 0.62× on `p16v` and 1.10× on `p256v`; 1024² 0.54× with `p16v` then `p64l` (0.76× in the
/// other order); 4096 as `p64l` × 2 took 1.66× `p16v` × 3 (docs/kernel-notes.md, N-D transforms).
pub(crate) fn strided_lane_passes(
    cfg: &FftConfig,
    log_n: u32,
    stride: u32,
    in_place: bool,
    dtype: DType,
) -> Option<&'static [u32]> {
    if !cfg.subgroup_passes() || cfg.log_cap != 12 || !stride.is_power_of_two() || stride < 2 {
        return None;
    }
    // The 1-D pass that reads the same addresses indexes 2^log_n · stride values.
    if log_n + stride.trailing_zeros() > 31 {
        return None;
    }
    match (log_n, in_place) {
        (8, true) if stride <= P256V_MAX_STRIDE || dtype == DType::F16 => Some(&[8]),
        (8, _) => Some(&[4, 4]),
        (10, _) if stride <= LANES_1024_MAX_STRIDE => Some(&[4, 6]),
        (12, _) => Some(&[4, 4, 4]),
        _ => None,
    }
}

/// Entry point, override constants and columns per workgroup of a lane-per-column pass of
/// 2^log_p points (8: `p256v` and 6: `p64l`, one column per invocation; 4: `p16v`, two), 64
/// invocations each.
fn strided_lane_entry(log_p: u32, in_place: bool) -> (&'static str, Vec<(&'static str, f64)>, u64) {
    let c = vec![("SG_IN_PLACE", in_place as u8 as f64)];
    if log_p == 8 {
        ("p256v", c, 64)
    } else if log_p == 6 {
        ("p64l", c, 64)
    } else {
        ("p16v", c, 128)
    }
}

/// Every lane-per-column pass a strided column transform can run (entry point and override
/// constants of shaders/fft/stockham_sg.wgsl), for the shader-validation test: `p16v` in and out
/// of place, `p64l`, `p256v` in place.
pub fn strided_sg_pass_constants() -> Vec<(&'static str, Vec<(&'static str, f64)>)> {
    [(4, false), (4, true), (6, false), (8, true)]
        .into_iter()
        .map(|(log_p, ip)| {
            let (e, c, _) = strided_lane_entry(log_p, ip);
            (e, c)
        })
        .collect()
}

/// The fused 2-D rfftn and irfftn row steps (`p512r` … `p2048u`) `cfg` runs, for the
/// shader-validation test.
pub fn rfft_pair_entries(cfg: &FftConfig) -> Vec<&'static str> {
    [1024, 2048, 4096]
        .into_iter()
        .flat_map(|n| [false, true].map(|inv| rfft::RfftRowStep::pair_entry(cfg, n, inv)))
        .flatten()
        .collect()
}

/// Where a pass reads or writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    Input,
    Output,
    Scratch(usize),
}

#[derive(Debug)]
struct Pass {
    pipeline: Arc<wgpu::ComputePipeline>,
    params: wgpu::Buffer,
    grid: (u32, u32),
    src: Slot,
    dst: Slot,
    aux: Option<usize>,
    spec: Option<usize>,
    /// The data bindings the kernel declares.
    views: Views,
    /// The pass writes through the vec4 view (binding 3) rather than the element view (binding
    /// 7): the other one is bound to a stand-in, since WebGPU rejects two writable bindings of
    /// one buffer.
    dst_vec4: bool,
}

/// The bindings a pass's kernel declares besides the parameters (0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Views {
    /// The twiddles (1), the vec4 views of src / dst (2, 3), the chirp and spectrum (4, 5) and
    /// the one-complex views (6, 7, strided and Bluestein accesses): the Stockham kernels.
    All,
    /// 1 … 5 only: the Monarch kernels.
    Vec4,
    /// The one-complex views (6, 7) and the table of roots (4, no twiddles): the mixed-radix
    /// kernel.
    Elements,
}

/// A run of a plan's passes over a range of the batch (a Bluestein batch whose scratch exceeds
/// one binding runs in chunks that share the scratch).
#[derive(Clone, Debug)]
struct Chunk {
    /// The passes that run it (its batch's parameters).
    passes: std::ops::Range<usize>,
    /// Where its transforms start in the caller's buffers, in bytes (offset-aligned).
    offset: u64,
    /// Their bytes.
    size: u64,
}

/// Transforms per chunk of a Bluestein batch: all of them where the scratch (`inner` points per
/// transform) fits one binding and 2^31 values, else the most that do with chunk offsets the
/// adapter's offset alignment allows; [`Error::OverLimit`] where not even one fits.
fn bluestein_chunk(ctx: &Context, desc: &FftDesc, inner: u64) -> Result<u32> {
    let limits = ctx.limits();
    let per_transform = inner * 2 * desc.dtype.size();
    let fit = (limits.max_storage_buffer_binding_size / per_transform).min((1u64 << 31) / inner);
    if fit >= desc.batch as u64 {
        return Ok(desc.batch);
    }
    let align = limits.min_storage_buffer_offset_alignment;
    let row = desc.n as u64 * 2 * desc.dtype.size();
    let step =
        (align / crate::ops::sparse_gemm::config::gcd(align, (row % align as u64) as u32)) as u64;
    let per = fit / step * step;
    if per == 0 {
        // The scratch of the smallest aligned chunk: one of these refuses it.
        ctx.check_binding_size("FFT scratch", step * per_transform)?;
        check_indexable(step as u32, desc.n, inner)?;
        return Err(Error::Unsupported(format!(
            "Bluestein's scratch for {} x {} points needs chunks of {step} transforms",
            desc.batch, desc.n
        )));
    }
    Ok(per as u32)
}

/// A batched FFT ready to run: pipelines, twiddles, chirps, scratch and parameters built once.
#[derive(Debug)]
pub struct FftPlan {
    ctx: Context,
    desc: FftDesc,
    config: FftConfig,
    passes: Vec<Pass>,
    /// The batch in chunks, each binding its range of the caller's buffers (empty: every pass
    /// once over the whole buffers).
    chunks: Vec<Chunk>,
    scratch: Vec<wgpu::Buffer>,
    tw: wgpu::Buffer,
    aux: Vec<wgpu::Buffer>,
    dummy: wgpu::Buffer,
    dummy_rw: wgpu::Buffer,
}

pub(crate) use crate::runtime::grid_for;

/// Chirp exp(-πi·k²/n) for k < n, in f64 (k² reduced mod 2n exactly).
pub(crate) fn chirp(n: u32) -> Vec<rustfft::num_complex::Complex<f64>> {
    let two_n = 2 * n as u64;
    (0..n as u64)
        .map(|k| {
            let e = ((k * k) % two_n) as f64;
            rustfft::num_complex::Complex::from_polar(1.0, -std::f64::consts::PI * e / n as f64)
        })
        .collect()
}

impl FftPlan {
    /// Plans `desc` with `config`, or the dispatcher's pick when `None`.
    pub fn new(ctx: &Context, desc: FftDesc, config: Option<FftConfig>) -> Result<Self> {
        Self::build(ctx, desc, config, None)
    }

    /// Plans `desc` on values that lie at stride `stride` (transform b = outer·stride + inner
    /// reads value k at outer·stride·n + inner + k·stride, and writes its output likewise): an
    /// FFT along a non-last axis of a row-major array without transposes. Power-of-two lengths
    /// that the pick runs as one fused plain-Stockham pass only ([`Error::Unsupported`]
    /// otherwise: the caller transposes instead). `in_place`: the pass reads the values from
    /// the output buffer it writes (each column's values go back where they were read; the
    /// stores then hit cached lines), and the input binding goes unread.
    /// `lanes`: run on the lane-per-column subgroup kernels where they apply
    /// ([`strided_lane_passes`]), else on the plain core.
    pub(crate) fn new_strided(
        ctx: &Context,
        desc: FftDesc,
        stride: u32,
        in_place: bool,
        lanes: bool,
    ) -> Result<Self> {
        Self::build(ctx, desc, None, Some((stride, in_place, lanes)))
    }

    fn build(
        ctx: &Context,
        desc: FftDesc,
        config: Option<FftConfig>,
        strided: Option<(u32, bool, bool)>,
    ) -> Result<Self> {
        let stride = strided.map(|s| s.0);
        let strided_in_place = strided.is_some_and(|s| s.1);
        // Checked before the pick, which assumes a valid descriptor (n ≥ 1).
        desc.validate()?;
        let pick = config.unwrap_or_else(|| crate::ops::fft::tune::fft_pick(ctx, &desc));
        let lane_passes = match strided {
            Some((st, in_place, true)) if desc.is_pow2() => {
                strided_lane_passes(&pick, desc.n.trailing_zeros(), st, in_place, desc.dtype)
            }
            _ => None,
        };
        if desc.dtype == DType::F16 {
            ctx.require_f16()?;
        }
        let config = match stride {
            Some(_) if lane_passes.is_none() => pick.without_subgroups(),
            _ => pick,
        };
        if config.variant() == crate::ops::fft::config::FftVariant::Monarch && !desc.is_pow2() {
            // Named before the adapter check, which would otherwise blame the adapter.
            return Err(Error::Unsupported(format!(
                "the Monarch FFT (`{}`) runs power-of-two lengths ≥ 2 only, and n = {} is not \
                 one: use a Stockham configuration (or the dispatcher's pick), which runs other \
                 lengths through Bluestein",
                config.label(),
                desc.n
            )));
        }
        if !config.valid_for(ctx.caps(), &ctx.limits(), &desc) {
            return Err(Error::Unsupported(format!(
                "FFT config `{}` cannot run on this adapter",
                config.label()
            )));
        }
        ctx.check_binding_size("FFT input/output", desc.bytes())?;
        if config.variant() == crate::ops::fft::config::FftVariant::Monarch {
            if stride.is_some() {
                return Err(Error::Unsupported(
                    "a strided FFT runs on the Stockham kernel, not Monarch".into(),
                ));
            }
            return monarch::plan(ctx, desc, config);
        }
        let mixed = match stride {
            None => runs_mixed(ctx, desc.n),
            Some(_) => runs_mixed_strided(ctx, desc.n),
        };
        if mixed {
            return mixed::plan(ctx, desc, config, stride, strided_in_place);
        }
        if stride.is_none() && runs_rader(ctx, desc.n) {
            return rader::plan(ctx, desc, config);
        }
        let es = desc.dtype.size();
        let inner = desc.inner_len();
        let log_m = inner.trailing_zeros();
        let (table, log_f) = twiddle_table(log_m);
        let tw = ctx.upload(
            "fft twiddles",
            bytemuck::cast_slice::<[f32; 2], f32>(&table),
        )?;
        let spec = Spec::new(desc.dtype);
        let sg_pipeline = |entry: &'static str, consts: &[(&'static str, f64)]| {
            ctx.pipeline(
                shaders::stockham_sg(ctx.caps(), spec.dtype),
                spec,
                entry,
                consts,
            )
        };
        let mut passes = Vec::new();
        let mut aux = Vec::new();
        let mut scratch_elems = 0u64;
        let mk = |geom: &PassGeom,
                  in_mode: u32,
                  out_mode: u32,
                  in_place: bool,
                  params: FftParams|
         -> Result<(Arc<wgpu::ComputePipeline>, wgpu::Buffer, (u32, u32))> {
            let mut c = geom.constants(&config);
            if in_place {
                c.push(("IN_PLACE", 1.0));
            }
            c.push(("IN_MODE", in_mode as f64));
            c.push(("OUT_MODE", out_mode as f64));
            c.push(("WHOLE", (geom.log_p == params.log_n) as u8 as f64));
            c.push(("SPAN1", (geom.log_ns == 0) as u8 as f64));
            if stride.is_some() {
                c.push(("STRIDED", 1.0));
            }
            let pipeline =
                ctx.pipeline(shaders::stockham(ctx.caps(), spec.dtype), spec, "main", &c)?;
            let grid = grid_for(
                ctx,
                "FFT workgroup count",
                geom.workgroups(params.log_n, params.batch),
            )?;
            Ok((pipeline, ctx.uniform("fft params", &params)?, grid))
        };
        let base_for = |geom: &PassGeom, batch: u32| FftParams {
            n: 1 << log_m,
            log_n: log_m,
            ns: 1 << geom.log_ns,
            log_ns: geom.log_ns,
            cols: batch << (log_m - geom.log_p),
            batch,
            log_tw: log_m,
            log_f,
            scale: 1.0,
            ..Default::default()
        };
        let base = |geom: &PassGeom| base_for(geom, desc.batch);
        let mut chunks = Vec::new();
        let sched = if desc.is_pow2() {
            pow2_schedule(&config, log_m)
        } else {
            schedule(&config, log_m)
        };
        // `p65536` runs its second half in place, so it takes a 1-D grid: more transforms than
        // one grid row holds run as the two-pass split.
        let sched = if sched.len() == 1
            && config.sg_entry(sched[0].log_p, 0, log_m) == Some("p65536")
            && desc.batch > ctx.limits().max_compute_workgroups_per_dimension
        {
            schedule(&config, log_m)
        } else {
            sched
        };
        if let Some(st) = stride {
            if lane_passes.is_none() && !strided_fits(&config, &desc) {
                return Err(Error::Unsupported(format!(
                    "a strided FFT of {} points runs only as one fused plain-Stockham pass",
                    desc.n
                )));
            }
            if st == 0 || !desc.batch.is_multiple_of(st) {
                return Err(Error::Shape(format!(
                    "strided FFT: batch {} is not a multiple of the stride {st}",
                    desc.batch
                )));
            }
        }
        if let (Some(sizes), Some(st)) = (lane_passes, stride) {
            // Lane-per-column passes (`strided_lane_passes`): each takes the parameters of the
            // 1-D pass of 2^log_n·st points at span ns·st that reads the same addresses; `p16v`
            // takes its twiddle from the column's span (a2 = log2 st).
            let log_s = st.trailing_zeros();
            let log_1d = log_m + log_s;
            let mut log_ns = 0;
            let t = sizes.len();
            if t > 1 {
                scratch_elems = desc.len() / 2;
            }
            // Where each pass writes: the last the output; earlier ones alternate backwards,
            // except that the first must not write the output (the steps of an N-D chain in
            // place read it there), so with an odd count the last pass runs in place.
            let mut dsts = vec![Slot::Output; t];
            let last_in_place = (t == 1 && strided_in_place) || (t > 1 && t % 2 == 1);
            for i in (0..t.saturating_sub(1)).rev() {
                dsts[i] = if i + 2 == t && last_in_place {
                    Slot::Output
                } else if dsts[i + 1] == Slot::Output {
                    Slot::Scratch(0)
                } else {
                    Slot::Output
                };
            }
            for (i, &log_p) in sizes.iter().enumerate() {
                let mut p = FftParams {
                    n: 1 << log_1d,
                    log_n: log_1d,
                    ns: 1 << (log_ns + log_s),
                    log_ns: log_ns + log_s,
                    cols: desc.batch << (log_m - log_p),
                    batch: desc.batch,
                    log_tw: log_m,
                    log_f,
                    scale: 1.0,
                    ..Default::default()
                };
                p.a[2] = log_s;
                if i == 0 && desc.inverse {
                    p.flags |= CONJ_IN;
                }
                if i + 1 == t && desc.inverse {
                    p.flags |= CONJ_OUT;
                    p.scale = 1.0 / desc.n as f32;
                }
                let in_place = i + 1 == t && last_in_place;
                let (entry, consts, per_wg) = strided_lane_entry(log_p, in_place);
                let pipeline = sg_pipeline(entry, &consts)?;
                let grid = grid_for(ctx, "FFT workgroup count", (p.cols as u64).div_ceil(per_wg))?;
                let src = match i {
                    _ if in_place => Slot::Input,
                    0 if strided_in_place => Slot::Output,
                    0 => Slot::Input,
                    _ => dsts[i - 1],
                };
                passes.push(Pass {
                    pipeline,
                    params: ctx.uniform("fft params", &p)?,
                    grid,
                    src,
                    dst: dsts[i],
                    aux: None,
                    spec: None,
                    views: Views::All,
                    dst_vec4: entry == "p16v",
                });
                log_ns += log_p;
            }
        } else if desc.is_pow2() {
            // Plain transform: conjugate in and out (and scale) for the inverse.
            let t = sched.len();
            if t > 1 {
                scratch_elems = desc.len() / 2;
            }
            for (i, g) in sched.iter().enumerate() {
                let mut p = base(g);
                if i == 0 && desc.inverse {
                    p.flags |= CONJ_IN;
                }
                if i + 1 == t && desc.inverse {
                    p.flags |= CONJ_OUT;
                    p.scale = 1.0 / desc.n as f32;
                }
                if let Some(st) = stride {
                    p.a[1] = st;
                }
                let sg_entry = config.sg_entry(g.log_p, g.log_ns, log_m);
                let (pipeline, params, grid) = if let Some(entry) = sg_entry {
                    // The subgroup kernels: same bindings and parameters; `p4096` and `main`
                    // take one 4096-point transform or column per workgroup, `p1024` eight 1024-point columns (one
                    // per subgroup), `p256` one
                    // 256-point column per subgroup, `p256c` eight per workgroup.
                    let (consts, count) = sg_pass(g, log_m, desc.batch, entry);
                    let pipeline = sg_pipeline(entry, &consts)?;
                    let grid = grid_for(ctx, "FFT workgroup count", count)?;
                    (pipeline, ctx.uniform("fft params", &p)?, grid)
                } else {
                    mk(g, 0, 0, g.in_place(log_m) || strided_in_place, p)?
                };
                // Ping-pong between the output and one scratch buffer so that the next-to-last
                // pass writes the output; the last pass runs in place there (it binds the
                // input as its unread source: a buffer may not be bound read-only and writable
                // at once).
                let in_place = g.in_place(log_m) || strided_in_place;
                let dst = if i + 1 == t || (t - 2 - i).is_multiple_of(2) {
                    Slot::Output
                } else {
                    Slot::Scratch(0)
                };
                let src = if i == 0 || in_place {
                    Slot::Input
                } else {
                    passes.last().map(|p: &Pass| p.dst).unwrap_or(Slot::Input)
                };
                passes.push(Pass {
                    pipeline,
                    params,
                    grid,
                    src,
                    dst,
                    aux: None,
                    spec: None,
                    views: Views::All,
                    // `p4096`, `p65536` and the lane-per-column first passes store single
                    // values (element view).
                    dst_vec4: g.log_ns == 0
                        && stride.is_none()
                        && !matches!(
                            sg_entry,
                            Some(
                                "p4096"
                                    | "p8192"
                                    | "p16384"
                                    | "p16c"
                                    | "p32c"
                                    | "p64c"
                                    | "p128c"
                                    | "p65536"
                            )
                        ),
                });
            }
        } else {
            // Bluestein: X_k = c_k · IFFT_M(FFT_M(x·c) ⊙ FFT_M(b))_k with c_k = exp(-πik²/n) and
            // b the conjugate chirp wrapped around M. Both M-point FFTs run forward; the pointwise
            // product conjugates so that the second is the inverse.
            let n = desc.n;
            let m = inner as usize;
            let c = chirp(n);
            let mut b = vec![rustfft::num_complex::Complex::<f64>::new(0.0, 0.0); m];
            for k in 0..n as usize {
                b[k] = c[k].conj();
                if k > 0 {
                    b[m - k] = c[k].conj();
                }
            }
            let mut planner = rustfft::FftPlanner::<f64>::new();
            planner.plan_fft_forward(m).process(&mut b);
            let to32 = |v: &[rustfft::num_complex::Complex<f64>]| -> Vec<f32> {
                v.iter().flat_map(|z| [z.re as f32, z.im as f32]).collect()
            };
            aux.push(ctx.upload("bluestein chirp", &to32(&c))?);
            aux.push(ctx.upload("bluestein spectrum", &to32(&b))?);
            // The batch in chunks whose scratch fits one binding (one chunk where it all does);
            // the chunks share the scratch, a pass set for full chunks and one for the tail.
            let per = bluestein_chunk(ctx, &desc, inner)?;
            scratch_elems = per as u64 * inner;
            let row_bytes = desc.n as u64 * 2 * es;
            let mut sets = Vec::new();
            for cb in [per, desc.batch % per] {
                if cb == 0 || sets.iter().any(|&(b, _)| b == cb) {
                    continue;
                }
                let first = passes.len();
                let t = 2 * sched.len();
                for i in 0..t {
                    let g = &sched[i % sched.len()];
                    let first_half = i % sched.len() == 0;
                    let last = i % sched.len() == sched.len() - 1;
                    let second = i >= sched.len();
                    let mut p = base_for(g, cb);
                    p.a[0] = n;
                    let (mut in_mode, mut out_mode, mut aux_i, mut spec_i) = (0, 0, None, None);
                    if first_half && !second {
                        in_mode = 1;
                        aux_i = Some(0);
                        if desc.inverse {
                            p.flags |= CONJ_IN;
                        }
                    }
                    if last && !second {
                        out_mode = 1;
                        spec_i = Some(1);
                    }
                    if last && second {
                        out_mode = 2;
                        aux_i = Some(0);
                        p.scale = 1.0 / m as f32 / if desc.inverse { n as f32 } else { 1.0 };
                        if desc.inverse {
                            p.flags |= CONJ_OUT;
                        }
                    }
                    let (pipeline, params, grid) = mk(g, in_mode, out_mode, false, p)?;
                    let dst = if i + 1 == t {
                        Slot::Output
                    } else {
                        Slot::Scratch(i % 2)
                    };
                    let src = if i == 0 {
                        Slot::Input
                    } else {
                        passes.last().map(|p: &Pass| p.dst).unwrap_or(Slot::Input)
                    };
                    passes.push(Pass {
                        pipeline,
                        params,
                        grid,
                        src,
                        dst,
                        aux: aux_i,
                        spec: spec_i,
                        views: Views::All,
                        dst_vec4: g.log_ns == 0 && out_mode != 2,
                    });
                }
                sets.push((cb, first..passes.len()));
            }
            if per < desc.batch {
                let mut done = 0u32;
                while done < desc.batch {
                    let cb = per.min(desc.batch - done);
                    let range = sets.iter().find(|s| s.0 == cb).map(|s| s.1.clone());
                    chunks.push(Chunk {
                        passes: range.unwrap_or_default(),
                        offset: done as u64 * row_bytes,
                        size: cb as u64 * row_bytes,
                    });
                    done += cb;
                }
            }
        }
        let mut scratch = Vec::new();
        let n_scratch = passes
            .iter()
            .filter_map(|p| {
                if let Slot::Scratch(i) = p.dst {
                    Some(i + 1)
                } else {
                    None
                }
            })
            .max()
            .unwrap_or(0);
        for _ in 0..n_scratch {
            let bytes = scratch_elems * 2 * es;
            ctx.check_binding_size("FFT scratch", bytes)?;
            scratch.push(ctx.storage("fft scratch", bytes)?);
        }
        let dummy = ctx.storage("fft dummy", 16)?;
        let dummy_rw = ctx.storage("fft dummy (written)", 16)?;
        Ok(Self {
            ctx: ctx.clone(),
            desc,
            config,
            passes,
            chunks,
            scratch,
            tw,
            aux,
            dummy,
            dummy_rw,
        })
    }

    /// The problem.
    pub fn desc(&self) -> &FftDesc {
        &self.desc
    }
    /// The configuration that runs it.
    pub fn config(&self) -> &FftConfig {
        &self.config
    }
    /// Number of dispatches one transform records.
    pub fn dispatches(&self) -> usize {
        if self.chunks.is_empty() {
            self.passes.len()
        } else {
            self.chunks.iter().map(|c| c.passes.len()).sum()
        }
    }
    /// The kernel variant as bench rows name it: `mixed`, `rader` or `bluestein` for lengths other than
    /// powers of two, else the configuration's variant (`stockham`, `monarch`).
    pub fn variant(&self) -> &'static str {
        length_route(&self.ctx, self.desc.n).unwrap_or(self.config.variant().name())
    }
    /// Whether the whole transform is one dispatch.
    pub fn is_fused(&self) -> bool {
        self.passes.len() == 1
    }

    /// Binds the caller's buffers: `input` (read only) and `output` (written), each holding
    /// `2·n·batch` scalars of the plan's dtype. They must be different buffers.
    pub fn bind(&self, input: &wgpu::Buffer, output: &wgpu::Buffer) -> Result<FftBound> {
        Operand::new("input", input).check(&self.ctx, self.desc.bytes())?;
        Operand::new("output", output).check(&self.ctx, self.desc.bytes())?;
        if input == output {
            return Err(Error::Shape(
                "FFT input and output must be different buffers".into(),
            ));
        }
        self.bind_unchecked(input, output)
    }

    pub(crate) fn bind_unchecked(
        &self,
        input: &wgpu::Buffer,
        output: &wgpu::Buffer,
    ) -> Result<FftBound> {
        let whole = [Chunk {
            passes: 0..self.passes.len(),
            offset: 0,
            size: 0,
        }];
        let chunks: &[Chunk] = if self.chunks.is_empty() {
            &whole
        } else {
            &self.chunks
        };
        let mut steps = Vec::new();
        for chunk in chunks {
            // The range of a slot's buffer the chunk binds, and its bytes.
            let slot = |s: Slot| -> (wgpu::BindingResource<'_>, u64) {
                let buffer = match s {
                    Slot::Input => input,
                    Slot::Output => output,
                    Slot::Scratch(i) => &self.scratch[i],
                };
                match s {
                    Slot::Input | Slot::Output if chunk.size > 0 => (
                        wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                            buffer,
                            offset: chunk.offset,
                            size: std::num::NonZeroU64::new(chunk.size),
                        }),
                        chunk.size,
                    ),
                    _ => (buffer.as_entire_binding(), buffer.size()),
                }
            };
            for p in &self.passes[chunk.passes.clone()] {
                let layout = p.pipeline.get_bind_group_layout(0);
                let aux = p.aux.map(|i| &self.aux[i]).unwrap_or(&self.dummy);
                let spec = p.spec.map(|i| &self.aux[i]).unwrap_or(&self.dummy);
                // The vec4 views need one whole vec4; smaller (Bluestein) buffers are only
                // reached through the element views, so the vec4 view binds a stand-in (kernels
                // without element views bind the buffers themselves).
                let vec4_min = 4 * self.desc.dtype.size();
                let ((src, src_bytes), (dst, dst_bytes)) = (slot(p.src), slot(p.dst));
                let src4 = if p.views == Views::Vec4 || src_bytes >= vec4_min {
                    src.clone()
                } else {
                    self.dummy.as_entire_binding()
                };
                let dst4_real = p.views == Views::Vec4 || (p.dst_vec4 && dst_bytes >= vec4_min);
                let (dst4, dst_e) = if dst4_real {
                    (dst.clone(), self.dummy_rw.as_entire_binding())
                } else {
                    (self.dummy_rw.as_entire_binding(), dst.clone())
                };
                let mut resources = vec![(0, p.params.as_entire_binding())];
                if p.views == Views::Elements {
                    resources.extend([(4, aux.as_entire_binding()), (5, spec.as_entire_binding())]);
                } else {
                    resources.extend([
                        (1, self.tw.as_entire_binding()),
                        (2, src4),
                        (3, dst4),
                        (4, aux.as_entire_binding()),
                        (5, spec.as_entire_binding()),
                    ]);
                }
                if p.views != Views::Vec4 {
                    resources.extend([(6, src), (7, dst_e)]);
                }
                let entries: Vec<_> = resources
                    .into_iter()
                    .map(|(binding, resource)| wgpu::BindGroupEntry { binding, resource })
                    .collect();
                let bg = self.ctx.scoped(|| {
                    self.ctx
                        .device
                        .create_bind_group(&wgpu::BindGroupDescriptor {
                            label: Some("fft pass"),
                            layout: &layout,
                            entries: &entries,
                        })
                })?;
                steps.push((p.pipeline.clone(), bg, p.grid));
            }
        }
        Ok(FftBound { steps })
    }

    /// Runs on host data (`2·n·batch` interleaved scalars) and returns the transform.
    pub async fn run_host<T: Element>(&self, data: &[T]) -> Result<Vec<T>> {
        if T::DTYPE != self.desc.dtype {
            return Err(Error::Shape(format!(
                "host data is {} but the plan is {}",
                T::DTYPE,
                self.desc.dtype
            )));
        }
        let need = self.desc.len() as usize;
        if data.len() != need {
            return Err(Error::Length {
                name: "FFT input",
                have: data.len(),
                need,
            });
        }
        let input = self.ctx.upload("fft input", data)?;
        let output = self.ctx.storage("fft output", self.desc.bytes())?;
        let bound = self.bind(&input, &output)?;
        self.ctx.submit(|pass| bound.record(pass))?;
        read_buffer(&self.ctx, &output, need).await
    }
}

/// A plan bound to buffers: records its dispatches into a compute pass.
#[derive(Debug)]
pub struct FftBound {
    steps: Vec<(Arc<wgpu::ComputePipeline>, wgpu::BindGroup, (u32, u32))>,
}

impl FftBound {
    /// Records every pass of the transform.
    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>) {
        for (pipeline, bg, grid) in &self.steps {
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, bg, &[]);
            pass.dispatch_workgroups(grid.0, grid.1, 1);
        }
    }
}

/// One-call FFT on host slices with the dispatcher's choice.
pub async fn fft<T: Element>(ctx: &Context, desc: FftDesc, data: &[T]) -> Result<Vec<T>> {
    FftPlan::new(ctx, desc, None)?.run_host(data).await
}

/// The subgroup-kernel passes of a 2^log_n-point transform under `cfg`: (entry point, override
/// constants) of shaders/fft/stockham_sg.wgsl, for the shader-validation test.
pub fn sg_pass_constants(
    cfg: &FftConfig,
    log_n: u32,
) -> Vec<(&'static str, Vec<(&'static str, f64)>)> {
    pow2_schedule(cfg, log_n)
        .iter()
        .filter_map(|g| {
            let e = cfg.sg_entry(g.log_p, g.log_ns, log_n)?;
            Some((e, sg_pass(g, log_n, 1, e).0))
        })
        .collect()
}

/// Override constants (FFT core part) of every pass a 2^log_n-point transform runs under
/// `cfg`: what the shader-validation test translates for each adapter profile.
pub fn pass_constants(cfg: &FftConfig, log_n: u32) -> Vec<Vec<(&'static str, f64)>> {
    schedule(cfg, log_n)
        .iter()
        .map(|g| g.constants(cfg))
        .collect()
}

/// Batched complex FFT (and the real FFT) in the op registry (`crate::ops::ALL`).
#[derive(Clone, Copy, Debug)]
pub struct FftOp;

/// The op's name in the CLI, reports and the tuning cache.
pub const NAME: &str = "fft";

crate::harness::impl_op!(
    FftOp,
    NAME,
    shaders: shaders::ALL.to_vec(),
    verify: verify::verify_fft_async,
    bench: bench::bench_all,
    tune_jobs: |ctx, quick| {
        let mut jobs = crate::tune::jobs_for::<tune::FftTune>(ctx, tune::fft_tune_shapes(ctx, quick));
        jobs.extend(crate::tune::jobs_for::<nd_tune::NdTune>(ctx, nd_tune::nd_tune_shapes(quick)));
        jobs.extend(crate::tune::jobs_for::<nd_tune::FilterTune>(
            ctx,
            nd_tune::filter_tune_shapes(quick),
        ));
        jobs.extend(crate::tune::jobs_for::<nd_tune::LowpassTune>(
            ctx,
            nd_tune::lowpass_tune_shapes(quick),
        ));
        jobs
    }
);

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn params_match_the_wgsl_struct() {
        crate::runtime::pipelines::assert_uniform_layout!(
            FftParams,
            shaders::STOCKHAM,
            "FftParams",
            [n, log_n, ns, log_ns, cols, batch, log_tw, log_f, in_off, out_off, scale, flags],
            a[8]
        );
    }

    /// The stride limits pick the passes they name (the wide-stride reference checks in
    /// `tests/fft_nd.rs` pass on any of them, so the route itself is pinned here).
    #[test]
    fn lane_passes_follow_the_stride_limits() {
        let sg = FftConfig::stockham_sg(12, 32, 0);
        let (f32, f16) = (DType::F32, DType::F16);
        let pick = |log_n, stride, in_place, dtype| {
            strided_lane_passes(&sg, log_n, stride, in_place, dtype)
        };
        assert_eq!(pick(8, P256V_MAX_STRIDE, true, f32), Some(&[8][..]));
        assert_eq!(pick(8, 2 * P256V_MAX_STRIDE, true, f32), Some(&[4, 4][..]));
        assert_eq!(pick(8, 65536, true, f16), Some(&[8][..]));
        assert_eq!(pick(8, 256, false, f32), Some(&[4, 4][..]));
        assert_eq!(
            pick(10, LANES_1024_MAX_STRIDE, true, f32),
            Some(&[4, 6][..])
        );
        assert_eq!(pick(10, 2 * LANES_1024_MAX_STRIDE, true, f16), None);
        assert_eq!(pick(12, 65536, true, f32), Some(&[4, 4, 4][..]));
        // The plain Stockham configuration has no lane kernels.
        let plain = FftConfig::stockham(12, 32, 0);
        assert_eq!(strided_lane_passes(&plain, 8, 256, true, f32), None);
    }
}
