//! FFT convolution (the FlashFFTConv job): `u: (B, H, L)`, kernel `k: (H, Lk)` with
//! `1 ≤ Lk ≤ L`, output `y: (B, H, L)`, real values, f32 or f16 storage, f32 arithmetic.
//!
//! ```text
//! causal (default): y[b,h,t] = Σ_{s=0}^{min(t, Lk-1)} k[h,s] · u'[b,h,t-s]
//! circular:         y[b,h,t] = Σ_{s=0}^{Lk-1}        k[h,s] · u'[b,h,(t-s) mod L]
//! u' = u ⊙ pre_gate (optional),  y ← y ⊙ post_gate (optional), gates shaped like u
//! ```
//! Any L ≥ 1. Paths (the dispatcher picks; [`FftConvPath`] forces one):
//! - **Fused**: one dispatch, gate → FFT → ·K → iFFT → gate in workgroup memory, for FFT sizes
//!   N ≤ the fused limit (4096 points on 32 KiB adapters). When L + Lk − 1 fits, one segment does
//!   the whole linear convolution; otherwise, as long as Lk ≤ N/2, **partial convolution**:
//!   overlap-save segments of hop N − Lk + 1 tile L, so the kernel's zero tail past Lk is never
//!   transformed (exact result, O(L log N) work for any L).
//! - **Multi-pass**: N = the power of two ≥ L + Lk − 1, Stockham passes with the packing fused
//!   into the first and the unpacking into the last. With two passes per direction (N ≤ 2^20 on
//!   32 KiB adapters) the forward's second pass, the kernel product and the inverse's first pass
//!   are one `mid` dispatch (3 dispatches in all: they cover the same columns); with more passes
//!   the product is fused into the forward's last pass.
//! - **Unfused**: pad, rfft, multiply, irfft, crop as separate dispatches (the baseline the
//!   fused kernel is measured against; f32 only).
//!
//! Two rows (b, h), (b+1, h) (b even) ride in one complex transform (real and imaginary part),
//! so the complex FFTs do no wasted work for B ≥ 2. One consequence: a NaN or Inf in u spreads
//! to its own row *and* that partner row (on a CPU it would stay in its own row); other rows are
//! unaffected.
//!
//! **Frequency-sparse** (`freq_keep = Some(f)`, multi-pass path, N ≤ 2^(2·log_mp)): the N
//! spectrum bins are grouped in `C = plan.freq_blocks()` residue classes (bin j belongs to class
//! j mod C — the columns of the two-pass decomposition N = C·(N/C)); class c is kept iff
//! min(c, C − c) ≤ D with D = ⌊(round(f·C) − 1)/2⌋ (2D + 1 classes, symmetric so the output stays
//! real). The result is exactly the convolution computed with the kernel spectrum zeroed on the
//! dropped classes (see [`crate::ops::fft::reference::fftconv_fft_ref`]); the dropped classes' forward
//! outputs and inverse first-pass columns are not computed at all.

#[cfg(not(target_arch = "wasm32"))]
pub mod bench;
pub mod reference;
pub mod shaders;
pub mod tune;
pub mod verify;
pub mod work;

use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::ops::fft::config::FftConfig;
use crate::ops::fft::rfft::{RfftBound, RfftDesc, RfftPlan};
use crate::ops::fft::{grid_for, schedule, twiddle_table, FftParams, PassGeom};
use crate::runtime::pipelines::Spec;
use crate::runtime::{read_buffer, Context, Operand};
use rustfft::num_complex::Complex;
use std::sync::Arc;

/// Which implementation runs a convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FftConvPath {
    /// One dispatch (single segment or overlap-save segments).
    Fused,
    /// Stockham passes with packing, product and unpacking fused in.
    MultiPass,
    /// Separate pad / rfft / multiply / irfft / crop dispatches.
    Unfused,
}

impl FftConvPath {
    /// Lower-case name for reports.
    pub fn name(self) -> &'static str {
        match self {
            FftConvPath::Fused => "fused",
            FftConvPath::MultiPass => "multipass",
            FftConvPath::Unfused => "unfused",
        }
    }
}

/// Shape and options of a convolution.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct FftConvDesc {
    /// Batch.
    pub b: u32,
    /// Channels (one kernel each).
    pub h: u32,
    /// Sequence length.
    pub l: u32,
    /// Kernel length (≤ l).
    pub lk: u32,
    /// Circular instead of causal.
    pub circular: bool,
    /// Multiply u by a gate (same shape) first.
    pub pre_gate: bool,
    /// Multiply y by a gate (same shape) last.
    pub post_gate: bool,
    /// Storage type of u, gates and y.
    pub dtype: DType,
    /// Frequency-sparse: the fraction of frequency classes kept (see the module docs).
    pub freq_keep: Option<f32>,
    /// Force a path (None: the dispatcher's pick).
    pub path: Option<FftConvPath>,
}

impl FftConvDesc {
    /// Causal f32 convolution of `(b, h, l)` with `(h, lk)`.
    pub fn new(b: u32, h: u32, l: u32, lk: u32) -> Self {
        Self {
            b,
            h,
            l,
            lk,
            circular: false,
            pre_gate: false,
            post_gate: false,
            dtype: DType::F32,
            freq_keep: None,
            path: None,
        }
    }
    /// Circular convolution.
    pub fn circular(mut self, on: bool) -> Self {
        self.circular = on;
        self
    }
    /// Gates.
    pub fn gates(mut self, pre: bool, post: bool) -> Self {
        self.pre_gate = pre;
        self.post_gate = post;
        self
    }
    /// Storage type.
    pub fn dtype(mut self, dtype: DType) -> Self {
        self.dtype = dtype;
        self
    }
    /// Frequency-sparse with `keep` of the classes.
    pub fn freq_keep(mut self, keep: Option<f32>) -> Self {
        self.freq_keep = keep;
        self
    }
    /// Forces a path.
    pub fn path(mut self, path: Option<FftConvPath>) -> Self {
        self.path = path;
        self
    }
    /// Elements of u, y and each gate.
    pub fn len(&self) -> u64 {
        self.b as u64 * self.h as u64 * self.l as u64
    }
    /// Whether u is empty (never for a valid descriptor).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Elements of k.
    pub fn k_len(&self) -> u64 {
        self.h as u64 * self.lk as u64
    }
    /// Row pairs sharing one complex transform.
    pub fn pairs(&self) -> u64 {
        self.h as u64 * self.b.div_ceil(2) as u64
    }
    /// Checks shapes and options.
    pub fn validate(&self) -> Result<()> {
        for (v, what) in [
            (self.b, "convolution batch B"),
            (self.h, "convolution channels H"),
            (self.l, "sequence length L"),
            (self.lk, "kernel length Lk"),
        ] {
            if v == 0 {
                return Err(Error::ZeroSized(what));
            }
        }
        if self.lk > self.l {
            return Err(Error::Shape(format!(
                "kernel length Lk = {} exceeds the sequence length L = {}",
                self.lk, self.l
            )));
        }
        if self.len() > u32::MAX as u64 {
            return Err(Error::Shape(format!(
                "B·H·L = {} is over the 2^32 elements one binding can index",
                self.len()
            )));
        }
        if let Some(f) = self.freq_keep {
            if !(f > 0.0 && f <= 1.0) {
                return Err(Error::Shape(format!(
                    "freq_keep must be in (0, 1], got {f}"
                )));
            }
            if matches!(self.path, Some(FftConvPath::Fused | FftConvPath::Unfused)) {
                return Err(Error::Unsupported(
                    "frequency-sparse convolution runs on the multi-pass path only".into(),
                ));
            }
        }
        if self.path == Some(FftConvPath::Unfused) && self.dtype != DType::F32 {
            return Err(Error::Unsupported(
                "the unfused pipeline is f32 only".into(),
            ));
        }
        Ok(())
    }
    fn flags(&self) -> u32 {
        self.circular as u32 | (self.pre_gate as u32) << 1 | (self.post_gate as u32) << 2
    }

    /// The path, FFT size and overlap-save segments a plan with FFT geometry `cfg` uses, without
    /// building anything (a plan compiles pipelines; this is arithmetic only).
    pub fn geometry(&self, cfg: &FftConfig) -> Result<ConvGeometry> {
        let (l, lk) = (self.l as u64, self.lk as u64);
        let full = (l + lk - 1).next_power_of_two().max(16);
        let cap = cfg.fused_max() as u64;
        let path = match self.path {
            Some(p) => p,
            None if self.freq_keep.is_some() => FftConvPath::MultiPass,
            None if full <= cap || 2 * lk <= cap => FftConvPath::Fused,
            None => FftConvPath::MultiPass,
        };
        if path == FftConvPath::Fused && full > cap && 2 * lk > cap {
            return Err(Error::Unsupported(format!(
                "the fused convolution holds {cap}-point FFTs: L + Lk − 1 = {} needs more and Lk = {lk} is over half of it (use the multi-pass path)",
                l + lk - 1
            )));
        }
        let n_fft = if path == FftConvPath::Fused {
            full.min(cap)
        } else {
            full
        };
        if n_fft > 1 << 30 {
            return Err(Error::Shape(format!(
                "an FFT of {n_fft} points is too long"
            )));
        }
        let hop = if path == FftConvPath::Fused {
            (n_fft - lk + 1).min(l) as u32
        } else {
            self.l
        };
        Ok(ConvGeometry {
            path,
            n_fft: n_fft as u32,
            hop,
            segments: self.l.div_ceil(hop),
        })
    }
}

/// How a convolution is cut up: see [`FftConvDesc::geometry`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvGeometry {
    /// The path that runs it.
    pub path: FftConvPath,
    /// FFT size N.
    pub n_fft: u32,
    /// Output samples per overlap-save segment.
    pub hop: u32,
    /// Segments per row pair (1 unless the fused path's FFT is shorter than L + Lk − 1).
    pub segments: u32,
}

/// A kernel's spectrum, computed once by [`FftConvPlan::prepare_kernel`] and reused across
/// calls: H × N complex f32 values in natural order, N the plan's FFT size.
#[derive(Debug)]
pub struct KernelSpectrum {
    /// The spectrum (H·N interleaved complex f32).
    pub buffer: wgpu::Buffer,
    /// FFT size it was computed for.
    pub n_fft: u32,
    /// Channels.
    pub h: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CSlot {
    None,
    S(usize),
}

#[derive(Debug)]
struct Step {
    pipeline: Arc<wgpu::ComputePipeline>,
    entry: &'static str,
    params: wgpu::Buffer,
    grid: (u32, u32),
    src: CSlot,
    dst: CSlot,
}

/// A convolution ready to run.
#[derive(Debug)]
pub struct FftConvPlan {
    ctx: Context,
    desc: FftConvDesc,
    path: FftConvPath,
    n_fft: u32,
    hop: u32,
    segments: u32,
    blocks: Option<(u32, u32)>,
    steps: Vec<Step>,
    unfused: Option<(RfftPlan, RfftPlan)>,
    scratch: Vec<wgpu::Buffer>,
    tw: wgpu::Buffer,
    dummy: wgpu::Buffer,
    dummy_rw: wgpu::Buffer,
}

impl FftConvPlan {
    /// Plans `desc`; `config` sets the FFT geometry (None: the dispatcher's pick).
    pub fn new(ctx: &Context, desc: FftConvDesc, config: Option<FftConfig>) -> Result<Self> {
        desc.validate()?;
        if desc.dtype == DType::F16 {
            ctx.require_f16()?;
        }
        let fdesc = crate::ops::fft::FftDesc::new(2).dtype(desc.dtype);
        let cfg = config.unwrap_or_else(|| crate::ops::fftconv::tune::fftconv_pick(ctx, &desc));
        if !cfg.valid_for(ctx.caps(), &ctx.limits(), &fdesc) {
            return Err(Error::Unsupported(format!(
                "FFT config `{}` cannot run on this adapter",
                cfg.label()
            )));
        }
        let es = desc.dtype.size();
        ctx.check_binding_size("convolution input u", desc.len() * es)?;
        let ConvGeometry {
            path,
            n_fft,
            hop,
            segments,
        } = desc.geometry(&cfg)?;
        let log_n = n_fft.trailing_zeros();
        let pairs = desc.pairs();
        let (table, log_f) = twiddle_table(log_n);
        let tw = ctx.upload(
            "conv twiddles",
            bytemuck::cast_slice::<[f32; 2], f32>(&table),
        )?;
        let spec = Spec::new(desc.dtype);
        let base = FftParams {
            n: n_fft,
            log_n,
            ns: 1,
            log_ns: 0,
            cols: 0,
            batch: pairs as u32,
            log_tw: log_n,
            log_f,
            in_off: 0,
            out_off: 0,
            scale: 1.0,
            flags: 0,
            a: [
                desc.l,
                desc.lk,
                desc.h,
                desc.b,
                desc.b.div_ceil(2),
                hop,
                segments,
                desc.flags(),
            ],
        };
        let mut steps = Vec::new();
        let mut scratch_bytes = Vec::new();
        let mut blocks = None;
        let mut unfused = None;
        let mk = |entry: &'static str,
                  consts: Vec<(&'static str, f64)>,
                  p: FftParams,
                  groups: u64,
                  src: CSlot,
                  dst: CSlot|
         -> Result<Step> {
            // Descriptor switches are overrides, so that a pipeline compiles only its own path.
            let mut consts = consts;
            consts.extend([
                ("CIRCULAR", desc.circular as u8 as f64),
                ("PRE_GATE", desc.pre_gate as u8 as f64),
                ("POST_GATE", desc.post_gate as u8 as f64),
                ("ONE_SEG", (segments == 1) as u8 as f64),
            ]);
            Ok(Step {
                pipeline: ctx.pipeline(shaders::conv(ctx.caps()), spec, entry, &consts)?,
                entry,
                params: ctx.uniform("conv params", &p)?,
                grid: grid_for(ctx, "convolution workgroups", groups)?,
                src,
                dst,
            })
        };
        match path {
            FftConvPath::Fused => {
                let g = PassGeom {
                    log_p: log_n,
                    m: cfg.fused_max() / n_fft,
                    log_ns: 0,
                };
                let cols = pairs * segments as u64;
                if cols > u32::MAX as u64 {
                    return Err(Error::Shape("too many (pair, segment) columns".into()));
                }
                let mut c = g.constants(&cfg);
                c.push(("FUSED", 1.0));
                let p = FftParams {
                    cols: cols as u32,
                    ..base
                };
                steps.push(mk(
                    "fused",
                    c,
                    p,
                    cols.div_ceil(g.m as u64),
                    CSlot::None,
                    CSlot::None,
                )?);
            }
            FftConvPath::MultiPass => {
                let bytes = pairs * n_fft as u64 * 8;
                ctx.check_binding_size("convolution spectrum scratch", bytes)?;
                scratch_bytes = vec![bytes, bytes];
                let sched = if desc.freq_keep.is_some() {
                    let sch = two_pass(&cfg, log_n).ok_or_else(|| {
                        Error::Unsupported(format!("frequency-sparse convolution needs two FFT passes; N = {n_fft} does not split into two sub-FFTs of ≤ {}", 1u32 << cfg.log_mp()))
                    })?;
                    sch
                } else {
                    schedule(&cfg, log_n)
                };
                // Kept classes of the frequency-sparse path.
                let sparse = desc.freq_keep.and_then(|f| {
                    let c = 1u32 << sched[0].log_p;
                    let k = ((f as f64 * c as f64).round() as u32).max(1);
                    let d = (k - 1) / 2;
                    (2 * d + 1 < c).then_some((c, d))
                });
                blocks = desc
                    .freq_keep
                    .map(|_| sparse.unwrap_or((1u32 << sched[0].log_p, 1u32 << sched[0].log_p)));
                let inv: Vec<PassGeom> = {
                    let mut v = Vec::new();
                    let mut log_ns = 0;
                    for g in sched.iter().rev() {
                        v.push(PassGeom { log_ns, ..*g });
                        log_ns += g.log_p;
                    }
                    v
                };
                let t = sched.len();
                // Two passes: the forward's second and the inverse's first pass cover the same
                // columns, so one `mid` dispatch does both with the product in between.
                let merge = t == 2;
                let mut slot = 0usize;
                for (dir, list) in [(0, &sched), (1, &inv)] {
                    for (i, g) in list.iter().enumerate() {
                        if merge && dir == 1 && i == 0 {
                            continue;
                        }
                        let mid = merge && dir == 0 && i == 1;
                        let mut p = FftParams {
                            ns: 1 << g.log_ns,
                            log_ns: g.log_ns,
                            cols: (pairs << (log_n - g.log_p)) as u32,
                            ..base
                        };
                        let (mut inm, mut outm) = (0, 0);
                        if dir == 0 && i == 0 {
                            inm = 1;
                        }
                        if dir == 0 && i + 1 == t && !mid {
                            outm = 1;
                        }
                        if dir == 1 && i + 1 == t {
                            outm = 2;
                        }
                        if let Some((_, d)) = sparse {
                            p.in_off = d;
                            p.out_off = 2 * d + 1;
                            if (dir == 0 && i == 1) || (dir == 1 && i == 0) {
                                p.a[7] |= 8;
                                p.cols = (pairs * (2 * d + 1) as u64) as u32;
                            }
                            if dir == 1 && i == 1 {
                                p.a[7] |= 16;
                            }
                        }
                        let mut c = g.constants(&cfg);
                        c.push(("IN_MODE", inm as f64));
                        c.push(("OUT_MODE", outm as f64));
                        c.push(("REMAP", (p.a[7] & 8 != 0) as u8 as f64));
                        if mid {
                            c.push(("MID", 1.0));
                        }
                        let src = if dir == 0 && i == 0 {
                            CSlot::None
                        } else {
                            CSlot::S(slot)
                        };
                        let dst = if dir == 1 && i + 1 == t {
                            CSlot::None
                        } else {
                            slot = if dir == 0 && i == 0 { 0 } else { 1 - slot };
                            CSlot::S(slot)
                        };
                        let groups = (p.cols as u64).div_ceil(g.m as u64);
                        let entry = if mid { "mid" } else { "step" };
                        steps.push(mk(entry, c, p, groups, src, dst)?);
                    }
                }
            }
            FftConvPath::Unfused => {
                let rows = desc.b * desc.h;
                let real_bytes = rows as u64 * n_fft as u64 * 4;
                let spec_bytes = rows as u64 * (n_fft as u64 / 2 + 1) * 8;
                for (w, b) in [("padded rows", real_bytes), ("row spectra", spec_bytes)] {
                    ctx.check_binding_size(w, b)?;
                }
                scratch_bytes = vec![real_bytes, spec_bytes, spec_bytes];
                let rd = RfftDesc::new(n_fft).batch(rows);
                unfused = Some((
                    RfftPlan::new(ctx, rd, Some(cfg))?,
                    RfftPlan::new(ctx, rd.inverse(true), Some(cfg))?,
                ));
                let p = FftParams {
                    batch: rows,
                    ..base
                };
                let g = |n: u64| n.div_ceil(256);
                steps.push(mk(
                    "pad",
                    vec![],
                    p,
                    g(rows as u64 * n_fft as u64 / 2),
                    CSlot::None,
                    CSlot::S(0),
                )?);
                steps.push(mk(
                    "mul",
                    vec![],
                    p,
                    g(rows as u64 * (n_fft as u64 / 2 + 1)),
                    CSlot::S(1),
                    CSlot::S(2),
                )?);
                steps.push(mk(
                    "crop",
                    vec![],
                    p,
                    g(desc.len()),
                    CSlot::S(0),
                    CSlot::None,
                )?);
            }
        }
        let scratch = scratch_bytes
            .iter()
            .map(|&b| ctx.storage("conv scratch", b))
            .collect::<Result<Vec<_>>>()?;
        let dummy = ctx.storage("conv dummy", 16)?;
        let dummy_rw = ctx.storage("conv dummy (written)", 16)?;
        Ok(Self {
            ctx: ctx.clone(),
            desc,
            path,
            n_fft,
            hop,
            segments,
            blocks,
            steps,
            unfused,
            scratch,
            tw,
            dummy,
            dummy_rw,
        })
    }

    /// The problem.
    pub fn desc(&self) -> &FftConvDesc {
        &self.desc
    }
    /// The path that runs it.
    pub fn path(&self) -> FftConvPath {
        self.path
    }
    /// FFT size N.
    pub fn n_fft(&self) -> u32 {
        self.n_fft
    }
    /// Overlap-save segments per row pair (1 unless partial convolution).
    pub fn segments(&self) -> u32 {
        self.segments
    }
    /// Output samples per segment.
    pub fn hop(&self) -> u32 {
        self.hop
    }
    /// Frequency-sparse: (classes C, half-width D); every class is kept when D ≥ C/2.
    pub fn freq_blocks(&self) -> Option<(u32, u32)> {
        self.blocks
    }
    /// Dispatches per call.
    pub fn dispatches(&self) -> usize {
        self.steps.len() + self.unfused.as_ref().map_or(0, |_| 4)
    }

    /// The kernel's spectrum for this plan (H × N, computed in f64 on the host from `k`, H×Lk).
    pub fn prepare_kernel(&self, k: &[f32]) -> Result<KernelSpectrum> {
        let d = &self.desc;
        if k.len() as u64 != d.k_len() {
            return Err(Error::Length {
                name: "kernel k",
                have: k.len(),
                need: d.k_len() as usize,
            });
        }
        let n = self.n_fft as usize;
        let mut planner = rustfft::FftPlanner::<f64>::new();
        let fft = planner.plan_fft_forward(n);
        let mut out = Vec::with_capacity(2 * n * d.h as usize);
        for row in k.chunks_exact(d.lk as usize) {
            let mut buf = vec![Complex::new(0.0, 0.0); n];
            for (b, &v) in buf.iter_mut().zip(row) {
                b.re = v as f64;
            }
            fft.process(&mut buf);
            out.extend(buf.iter().flat_map(|z| [z.re as f32, z.im as f32]));
        }
        let buffer = self.ctx.upload("kernel spectrum", &out)?;
        Ok(KernelSpectrum {
            buffer,
            n_fft: self.n_fft,
            h: d.h,
        })
    }

    /// Binds the caller's buffers: `u` and `y` (B·H·L values), the prepared kernel, and the gates
    /// the descriptor asks for (B·H·L values each).
    pub fn bind(
        &self,
        u: &wgpu::Buffer,
        k: &KernelSpectrum,
        y: &wgpu::Buffer,
        pre: Option<&wgpu::Buffer>,
        post: Option<&wgpu::Buffer>,
    ) -> Result<FftConvBound> {
        let d = &self.desc;
        let bytes = d.len() * d.dtype.size();
        Operand::new("u", u).check(&self.ctx, bytes)?;
        Operand::new("y", y).check(&self.ctx, bytes)?;
        if k.n_fft != self.n_fft || k.h != d.h {
            return Err(Error::Shape(format!(
                "kernel spectrum is {}×{} but the plan needs {}×{}",
                k.h, k.n_fft, d.h, self.n_fft
            )));
        }
        Operand::new("kernel spectrum", &k.buffer)
            .check(&self.ctx, d.h as u64 * self.n_fft as u64 * 8)?;
        for (want, got, name) in [
            (d.pre_gate, pre, "pre_gate"),
            (d.post_gate, post, "post_gate"),
        ] {
            match (want, got) {
                (true, Some(g)) => Operand::new(name, g).check(&self.ctx, bytes)?,
                (true, None) => {
                    return Err(Error::Shape(format!(
                        "the descriptor asks for {name} but none was bound"
                    )))
                }
                (false, Some(_)) => {
                    return Err(Error::Shape(format!(
                        "{name} bound but the descriptor has none"
                    )))
                }
                (false, None) => {}
            }
        }
        if u == y {
            return Err(Error::Shape(
                "convolution input u and output y must be different buffers".into(),
            ));
        }
        let pre = pre.unwrap_or(&self.dummy);
        let post = post.unwrap_or(&self.dummy);
        let mut steps = Vec::new();
        for s in &self.steps {
            let src = match s.src {
                CSlot::None => &self.dummy,
                CSlot::S(i) => &self.scratch[i],
            };
            let dst = match s.dst {
                CSlot::None => &self.dummy_rw,
                CSlot::S(i) => &self.scratch[i],
            };
            let all: [(u32, &wgpu::Buffer); 8] = [
                (1, &self.tw),
                (2, src),
                (3, dst),
                (4, &k.buffer),
                (5, u),
                (6, pre),
                (7, post),
                (8, y),
            ];
            let used: &[u32] = match s.entry {
                "pad" => &[3, 5, 6],
                "mul" => &[2, 3, 4],
                "crop" => &[2, 7, 8],
                _ => &[1, 2, 3, 4, 5, 6, 7, 8],
            };
            let mut entries = vec![wgpu::BindGroupEntry {
                binding: 0,
                resource: s.params.as_entire_binding(),
            }];
            entries.extend(
                all.iter()
                    .filter(|(b, _)| used.contains(b))
                    .map(|&(b, buf)| wgpu::BindGroupEntry {
                        binding: b,
                        resource: buf.as_entire_binding(),
                    }),
            );
            let layout = s.pipeline.get_bind_group_layout(0);
            let bg = self.ctx.scoped(|| {
                self.ctx
                    .device
                    .create_bind_group(&wgpu::BindGroupDescriptor {
                        label: Some("conv"),
                        layout: &layout,
                        entries: &entries,
                    })
            })?;
            steps.push((s.pipeline.clone(), bg, s.grid));
        }
        let rffts = match &self.unfused {
            Some((f, i)) => Some((
                f.bind(&self.scratch[0], &self.scratch[1])?,
                i.bind(&self.scratch[2], &self.scratch[0])?,
            )),
            None => None,
        };
        Ok(FftConvBound { steps, rffts })
    }

    /// Runs on host data: u (B·H·L), k (H·Lk), optional gates (B·H·L); returns y.
    pub async fn run_host<T: Element>(
        &self,
        u: &[T],
        k: &[T],
        pre: Option<&[T]>,
        post: Option<&[T]>,
    ) -> Result<Vec<T>> {
        let d = &self.desc;
        if T::DTYPE != d.dtype {
            return Err(Error::Shape(format!(
                "host data is {} but the plan is {}",
                T::DTYPE,
                d.dtype
            )));
        }
        let n = d.len() as usize;
        if u.len() != n {
            return Err(Error::Length {
                name: "u",
                have: u.len(),
                need: n,
            });
        }
        for (g, name) in [(pre, "pre_gate"), (post, "post_gate")] {
            if let Some(g) = g {
                if g.len() != n {
                    return Err(Error::Length {
                        name,
                        have: g.len(),
                        need: n,
                    });
                }
            }
        }
        let kf: Vec<f32> = k.iter().map(|v| v.to_f64() as f32).collect();
        let ks = self.prepare_kernel(&kf)?;
        let ub = self.ctx.upload("u", u)?;
        let yb = self.ctx.storage("y", n as u64 * d.dtype.size())?;
        let pb = pre.map(|g| self.ctx.upload("pre gate", g)).transpose()?;
        let qb = post.map(|g| self.ctx.upload("post gate", g)).transpose()?;
        let bound = self.bind(&ub, &ks, &yb, pb.as_ref(), qb.as_ref())?;
        self.ctx.submit(|p| bound.record(p))?;
        read_buffer(&self.ctx, &yb, n).await
    }
}

/// The two-pass split of 2^log_n (larger pass first), if both halves fit a strided pass.
fn two_pass(cfg: &FftConfig, log_n: u32) -> Option<Vec<PassGeom>> {
    let a = log_n.div_ceil(2);
    let b = log_n - a;
    if a > cfg.log_mp() || b < 4 {
        return None;
    }
    let m = |lp: u32| 1u32 << (cfg.log_cap - lp).min(log_n - lp);
    Some(vec![
        PassGeom {
            log_p: a,
            m: m(a),
            log_ns: 0,
        },
        PassGeom {
            log_p: b,
            m: m(b),
            log_ns: a,
        },
    ])
}

type Step3 = (Arc<wgpu::ComputePipeline>, wgpu::BindGroup, (u32, u32));

/// A convolution bound to buffers.
#[derive(Debug)]
pub struct FftConvBound {
    steps: Vec<Step3>,
    rffts: Option<(RfftBound, RfftBound)>,
}

impl FftConvBound {
    /// Records every dispatch.
    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>) {
        let rec = |pass: &mut wgpu::ComputePass<'_>, s: &Step3| {
            pass.set_pipeline(&s.0);
            pass.set_bind_group(0, &s.1, &[]);
            pass.dispatch_workgroups(s.2 .0, s.2 .1, 1);
        };
        match &self.rffts {
            Some((f, i)) => {
                rec(pass, &self.steps[0]);
                f.record(pass);
                rec(pass, &self.steps[1]);
                i.record(pass);
                rec(pass, &self.steps[2]);
            }
            None => {
                for s in &self.steps {
                    rec(pass, s);
                }
            }
        }
    }
}

/// FFT convolution in the op registry (`crate::ops::ALL`).
#[derive(Clone, Copy, Debug)]
pub struct FftConvOp;

/// The op's name in the CLI, reports and the tuning cache.
pub const NAME: &str = "fftconv";

crate::harness::impl_op!(
    FftConvOp,
    NAME,
    shaders: [shaders::ALL, crate::ops::fft::shaders::ALL].concat(),
    verify: verify::verify_fftconv_async,
    bench: bench::bench_all,
    tune_jobs: |ctx, quick| crate::tune::jobs_for::<tune::FftConvTune>(ctx, tune::fftconv_tune_shapes(quick))
);
