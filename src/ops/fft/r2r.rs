//! Real-to-real transforms along contiguous rows: DCT-II, DCT-III (DCT-II's inverse up to
//! scale), DCT-IV and DST-II, any length, with SciPy's definitions and `norm` conventions
//! (`scipy.fft.dct(x, type, norm)`):
//!
//! ```text
//! DCT-II   y[k] = 2 Σ x[m]·cos(πk(2m+1)/2n)
//! DCT-III  y[k] = x[0] + 2 Σ_{m≥1} x[m]·cos(πm(2k+1)/2n)
//! DCT-IV   y[k] = 2 Σ x[m]·cos(π(2m+1)(2k+1)/4n)
//! DST-II   y[k] = 2 Σ x[m]·sin(π(k+1)(2m+1)/2n)
//! ```
//! Each is one complex FFT of length 2n between two elementwise passes (shaders/fft/r2r.wgsl):
//! every cosine above is the real part of exp(-iπ(αk+β)/4n)·exp(-iπγm/2n)·exp(-2πi·mk/2n), so
//! `pre` multiplies x by a per-m factor and zero-pads it to 2n, the FFT runs, and `post` takes
//! the real (or, for the sine, minus the imaginary) part of a per-k factor times the spectrum.
//! The kind and the normalisation are only those two tables (host f64), so all kinds share the
//! pipelines. It costs a 2n-point complex FFT (about 4× the flops of the best real-data
//! algorithms) in exchange for one code path for every kind and length; DCT-II of even n, the
//! common case, takes Makhoul's route instead: `pre` reorders x (even entries forward, odd ones
//! backward) into an n-point complex FFT, and the same post table finishes it (half the FFT).

use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::ops::fft::nd::Norm;
use crate::ops::fft::{grid_for, FftBound, FftDesc, FftPlan};
use crate::runtime::pipelines::Spec;
use crate::runtime::{read_buffer, Context, Dispatch, Operand};
use std::f64::consts::PI;
use std::sync::Arc;

/// The real-to-real transform types (SciPy's `type=` of `dct` / `dst`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum R2rKind {
    /// DCT-II, "the" DCT (JPEG's, and the one compression of visual tokens uses).
    Dct2,
    /// DCT-III, the inverse of DCT-II (up to the normalisation).
    Dct3,
    /// DCT-IV (its own inverse up to scale; the MDCT's core).
    Dct4,
    /// DST-II.
    Dst2,
}

impl R2rKind {
    /// Every kind.
    pub const ALL: [R2rKind; 4] = [R2rKind::Dct2, R2rKind::Dct3, R2rKind::Dct4, R2rKind::Dst2];

    /// SciPy's name: `dct2`, `dct3`, `dct4`, `dst2`.
    pub fn name(self) -> &'static str {
        match self {
            R2rKind::Dct2 => "dct2",
            R2rKind::Dct3 => "dct3",
            R2rKind::Dct4 => "dct4",
            R2rKind::Dst2 => "dst2",
        }
    }

    /// The f64 direct sum of one row under `norm` (O(n²)): the reference.
    pub fn reference_row(self, norm: Norm, x: &[f64]) -> Vec<f64> {
        let n = x.len();
        let nf = n as f64;
        let (pre, post) = (self.pre_weights(norm, n), self.post_scales(norm, n));
        (0..n)
            .map(|k| {
                let kf = k as f64;
                let s: f64 = (0..n)
                    .map(|m| {
                        let mf = m as f64;
                        let t = match self {
                            R2rKind::Dct2 => (PI * kf * (2.0 * mf + 1.0) / (2.0 * nf)).cos(),
                            R2rKind::Dct3 => (PI * mf * (2.0 * kf + 1.0) / (2.0 * nf)).cos(),
                            R2rKind::Dct4 => {
                                (PI * (2.0 * mf + 1.0) * (2.0 * kf + 1.0) / (4.0 * nf)).cos()
                            }
                            R2rKind::Dst2 => {
                                (PI * (kf + 1.0) * (2.0 * mf + 1.0) / (2.0 * nf)).sin()
                            }
                        };
                        pre[m] * x[m] * t
                    })
                    .sum();
                post[k] * s
            })
            .collect()
    }

    /// Per-input weights: SciPy's factors on x (DCT-III's first term and its normalisations).
    pub(crate) fn pre_weights(self, norm: Norm, n: usize) -> Vec<f64> {
        let nf = n as f64;
        let mut w = vec![1.0; n];
        if self == R2rKind::Dct3 {
            let (first, rest) = match norm {
                Norm::Backward => (1.0, 2.0),
                Norm::Ortho => ((1.0 / nf).sqrt(), (2.0 / nf).sqrt()),
                Norm::Forward => (1.0 / (2.0 * nf), 1.0 / nf),
            };
            w.iter_mut().for_each(|v| *v = rest);
            w[0] = first;
        }
        w
    }

    /// Per-output factors: the 2 of the definitions and the normalisation (orthonormal DCT-II
    /// and DST-II scale their first / last output by a further 1/√2, as SciPy's `ortho` does).
    fn post_scales(self, norm: Norm, n: usize) -> Vec<f64> {
        let nf = n as f64;
        if self == R2rKind::Dct3 {
            return vec![1.0; n];
        }
        let s = match norm {
            Norm::Backward => 2.0,
            Norm::Ortho => 2.0 * (1.0 / (2.0 * nf)).sqrt(),
            Norm::Forward => 1.0 / nf,
        };
        let mut v = vec![s; n];
        if norm == Norm::Ortho {
            match self {
                R2rKind::Dct2 => v[0] /= 2f64.sqrt(),
                R2rKind::Dst2 => v[n - 1] /= 2f64.sqrt(),
                _ => {}
            }
        }
        v
    }

    /// (γ, α, β, shift, take −Im): u[m] = x[m]·exp(-iπγm/2n), y[k] from
    /// exp(-iπ(αk+β)/4n)·Z[k+shift].
    fn phases(self) -> (f64, f64, f64, u32, bool) {
        match self {
            R2rKind::Dct2 => (0.0, 2.0, 0.0, 0, false),
            R2rKind::Dct3 => (1.0, 0.0, 0.0, 0, false),
            R2rKind::Dct4 => (1.0, 2.0, 1.0, 0, false),
            R2rKind::Dst2 => (0.0, 2.0, 2.0, 1, true),
        }
    }

    /// The pre and post tables (pre: n entries, then post: n entries), f64 → f32, and
    /// (shift, take −Im).
    pub(crate) fn tables(self, norm: Norm, n: usize) -> (Vec<f32>, u32, bool) {
        let (g, a, b, shift, im) = self.phases();
        let nf = n as f64;
        let (pre, post) = (self.pre_weights(norm, n), self.post_scales(norm, n));
        let mut t = Vec::with_capacity(4 * n);
        for (m, w) in pre.iter().enumerate() {
            let ang = -PI * g * m as f64 / (2.0 * nf);
            t.extend([(w * ang.cos()) as f32, (w * ang.sin()) as f32]);
        }
        for (k, s) in post.iter().enumerate() {
            let ang = -PI * (a * k as f64 + b) / (4.0 * nf);
            t.extend([(s * ang.cos()) as f32, (s * ang.sin()) as f32]);
        }
        (t, shift, im)
    }
}

impl std::str::FromStr for R2rKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        R2rKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| Error::Shape(format!("unknown transform `{s}`: dct2, dct3, dct4, dst2")))
    }
}

/// A batch of real-to-real transforms along contiguous rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct R2rDesc {
    /// Points per row (any length ≥ 1).
    pub n: u32,
    /// Rows.
    pub batch: u32,
    /// Which transform.
    pub kind: R2rKind,
    /// SciPy's `norm`.
    pub norm: Norm,
    /// Storage type (f32 arithmetic).
    pub dtype: DType,
    /// Outputs kept per row: the first `keep` (≤ n) coefficients, written as rows of `keep`
    /// (a low-pass: DCT compression keeps the lowest frequencies).
    pub keep: u32,
}

impl R2rDesc {
    /// An f32 transform of one row of `n` points, `norm="backward"` (SciPy's default).
    pub fn new(kind: R2rKind, n: u32) -> Self {
        Self {
            n,
            batch: 1,
            kind,
            norm: Norm::Backward,
            dtype: DType::F32,
            keep: n,
        }
    }
    /// Sets the number of rows.
    pub fn batch(mut self, batch: u32) -> Self {
        self.batch = batch;
        self
    }
    /// Sets the normalisation.
    pub fn norm(mut self, norm: Norm) -> Self {
        self.norm = norm;
        self
    }
    /// Sets the storage type.
    pub fn dtype(mut self, dtype: DType) -> Self {
        self.dtype = dtype;
        self
    }
    /// Keeps only the first `keep` outputs of each row.
    pub fn keep(mut self, keep: u32) -> Self {
        self.keep = keep;
        self
    }
    /// Scalars in: n·batch.
    pub fn len(&self) -> u64 {
        self.n as u64 * self.batch as u64
    }
    /// Scalars out: keep·batch.
    pub fn out_len(&self) -> u64 {
        self.keep as u64 * self.batch as u64
    }
    /// Whether the transform is empty (never true for a valid descriptor).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Whether the transform runs Makhoul's n-point FFT (DCT-II of even n) rather than the
    /// zero-padded 2n-point one.
    pub fn makhoul(&self) -> bool {
        self.kind == R2rKind::Dct2 && self.n.is_multiple_of(2)
    }
    fn inner(&self) -> Result<FftDesc> {
        if self.makhoul() {
            return Ok(FftDesc::new(self.n).batch(self.batch).dtype(self.dtype));
        }
        let n2 = self.n.checked_mul(2).ok_or_else(|| {
            Error::Shape(format!(
                "a {} of {} points is too long",
                self.kind.name(),
                self.n
            ))
        })?;
        Ok(FftDesc::new(n2).batch(self.batch).dtype(self.dtype))
    }
    /// Checks dimensions.
    pub fn validate(&self) -> Result<()> {
        if self.n == 0 {
            return Err(Error::ZeroSized("real-to-real transform length n"));
        }
        if self.batch == 0 {
            return Err(Error::ZeroSized("real-to-real transform batch"));
        }
        if self.keep == 0 || self.keep > self.n {
            return Err(Error::Shape(format!(
                "keep = {} outputs of a {}-point {}: it must be 1..=n",
                self.keep,
                self.n,
                self.kind.name()
            )));
        }
        self.inner()?.validate()
    }
}

/// Uniform parameters (mirrors `R2rParams` in r2r.wgsl).
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
struct R2rParams {
    n: u32,
    total: u32,
    shift: u32,
    take_im: u32,
    keep: u32,
    len: u32,
    makhoul: u32,
    _p: u32,
}

/// A real-to-real transform ready to run.
#[derive(Debug)]
pub struct R2rPlan {
    ctx: Context,
    desc: R2rDesc,
    inner: FftPlan,
    pre: (Arc<wgpu::ComputePipeline>, wgpu::Buffer, (u32, u32)),
    post: (Arc<wgpu::ComputePipeline>, wgpu::Buffer, (u32, u32)),
    tables: wgpu::Buffer,
    padded: wgpu::Buffer,
    spectrum: wgpu::Buffer,
}

impl R2rPlan {
    /// Plans `desc` (the inner n- or 2n-point FFT is the dispatcher's pick).
    pub fn new(ctx: &Context, desc: R2rDesc) -> Result<Self> {
        desc.validate()?;
        if desc.dtype == DType::F16 {
            ctx.require_f16()?;
        }
        ctx.check_binding_size("real-to-real data", desc.len() * desc.dtype.size())?;
        let inner_desc = desc.inner()?;
        let inner = FftPlan::new(ctx, inner_desc, None)?;
        let (t, shift, take_im) = desc.kind.tables(desc.norm, desc.n as usize);
        let tables = ctx.upload("r2r tables", &t)?;
        let spec = Spec::new(desc.dtype);
        let step = |entry: &'static str, total: u64| -> Result<_> {
            let total32 = u32::try_from(total).map_err(|_| {
                Error::Shape(format!("{total} points exceed the 32-bit invocation index"))
            })?;
            let p = R2rParams {
                n: desc.n,
                total: total32,
                shift,
                take_im: take_im as u32,
                keep: desc.keep,
                len: inner_desc.n,
                makhoul: desc.makhoul() as u32,
                _p: 0,
            };
            Ok((
                ctx.pipeline(super::shaders::R2R, spec, entry, &[])?,
                ctx.uniform("r2r params", &p)?,
                grid_for(ctx, "r2r workgroups", total.div_ceil(256))?,
            ))
        };
        let pre = step("pre", inner_desc.len() / 2)?;
        let post = step("post", desc.out_len())?;
        Ok(Self {
            ctx: ctx.clone(),
            desc,
            inner,
            pre,
            post,
            tables,
            padded: ctx.storage("r2r padded", inner_desc.bytes())?,
            spectrum: ctx.storage("r2r spectrum", inner_desc.bytes())?,
        })
    }

    /// The problem.
    pub fn desc(&self) -> &R2rDesc {
        &self.desc
    }

    /// Binds `input` (n·batch reals, read) and `output` (keep·batch reals, written).
    pub fn bind(&self, input: &wgpu::Buffer, output: &wgpu::Buffer) -> Result<R2rBound> {
        let es = self.desc.dtype.size();
        Operand::new("input", input).check(&self.ctx, self.desc.len() * es)?;
        Operand::new("output", output).check(&self.ctx, self.desc.out_len() * es)?;
        if input == output {
            return Err(Error::Shape(
                "real-to-real input and output must be different buffers".into(),
            ));
        }
        let (p, q) = (&self.pre, &self.post);
        let pre = Dispatch::new(
            &self.ctx,
            p.0.clone(),
            "r2r pre",
            &[(0, &p.1), (1, input), (2, &self.padded), (5, &self.tables)],
            p.2,
        )?;
        let post = Dispatch::new(
            &self.ctx,
            q.0.clone(),
            "r2r post",
            &[
                (0, &q.1),
                (3, &self.spectrum),
                (4, output),
                (5, &self.tables),
            ],
            q.2,
        )?;
        Ok(R2rBound {
            pre,
            inner: self.inner.bind_unchecked(&self.padded, &self.spectrum)?,
            post,
        })
    }

    /// Runs on host data (`n·batch` reals) and returns the transform.
    pub async fn run_host<T: Element>(&self, data: &[T]) -> Result<Vec<T>> {
        crate::runtime::check_host_dtype::<T>(self.desc.dtype)?;
        crate::runtime::check_len("real-to-real input", data.len(), self.desc.len())?;
        let input = self.ctx.upload("r2r input", data)?;
        let out = self.desc.out_len();
        let output = self
            .ctx
            .storage("r2r output", out * self.desc.dtype.size())?;
        let bound = self.bind(&input, &output)?;
        self.ctx.submit(|p| bound.record(p))?;
        read_buffer(&self.ctx, &output, out as usize).await
    }
}

/// A real-to-real transform bound to buffers.
#[derive(Debug)]
pub struct R2rBound {
    pre: Dispatch,
    inner: FftBound,
    post: Dispatch,
}

impl R2rBound {
    /// Records the three steps.
    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>) {
        self.pre.record(pass);
        self.inner.record(pass);
        self.post.record(pass);
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn params_match_the_wgsl_struct() {
        crate::runtime::pipelines::assert_uniform_layout!(
            R2rParams,
            crate::ops::fft::shaders::R2R,
            "R2rParams",
            [n, total, shift, take_im, keep, len, makhoul]
        );
    }

    /// The tables reproduce the direct sums in f64 (the FFT factorisation itself, host-side).
    #[test]
    fn tables_factor_the_definitions() {
        for kind in R2rKind::ALL {
            for norm in [Norm::Backward, Norm::Ortho, Norm::Forward] {
                for n in [1usize, 2, 5, 8] {
                    let x: Vec<f64> = (0..n).map(|i| ((i * 7 + 3) % 5) as f64 - 1.7).collect();
                    let want = kind.reference_row(norm, &x);
                    let (t, shift, im) = kind.tables(norm, n);
                    let c = |i: usize| {
                        rustfft::num_complex::Complex::new(t[2 * i] as f64, t[2 * i + 1] as f64)
                    };
                    let u: Vec<_> = (0..2 * n)
                        .map(|m| if m < n { c(m) * x[m] } else { 0.0.into() })
                        .collect();
                    for (k, want_k) in want.iter().enumerate() {
                        let z: rustfft::num_complex::Complex<f64> = (0..2 * n)
                            .map(|m| {
                                u[m] * rustfft::num_complex::Complex::from_polar(
                                    1.0,
                                    -PI * (m * (k + shift as usize)) as f64 / n as f64,
                                )
                            })
                            .sum();
                        let v = c(n + k) * z;
                        let got = if im { -v.im } else { v.re };
                        assert!(
                            (got - want_k).abs() < 1e-5 * (1.0 + want_k.abs()),
                            "{kind:?} {norm:?} n={n} k={k}: {got} vs {want_k}"
                        );
                    }
                }
            }
        }
    }

    /// Makhoul's route for DCT-II of even n: the reordered n-point FFT and the same post table
    /// give the direct sums, under every norm.
    #[test]
    fn makhoul_reordering_gives_dct2() {
        use rustfft::num_complex::Complex;
        for norm in [Norm::Backward, Norm::Ortho, Norm::Forward] {
            for n in [2usize, 4, 6, 10, 16] {
                let d = R2rDesc::new(R2rKind::Dct2, n as u32);
                assert!(d.makhoul() && d.inner().unwrap().n == n as u32);
                let x: Vec<f64> = (0..n).map(|i| ((i * 5 + 2) % 7) as f64 - 2.3).collect();
                let want = R2rKind::Dct2.reference_row(norm, &x);
                let (t, shift, im) = R2rKind::Dct2.tables(norm, n);
                assert!(shift == 0 && !im);
                let v: Vec<f64> = (0..n)
                    .map(|m| {
                        if 2 * m < n {
                            x[2 * m]
                        } else {
                            x[2 * (n - 1 - m) + 1]
                        }
                    })
                    .collect();
                for (k, want_k) in want.iter().enumerate() {
                    let z: Complex<f64> = (0..n)
                        .map(|m| {
                            v[m] * Complex::from_polar(1.0, -2.0 * PI * (m * k) as f64 / n as f64)
                        })
                        .sum();
                    let got =
                        (Complex::new(t[2 * (n + k)] as f64, t[2 * (n + k) + 1] as f64) * z).re;
                    assert!(
                        (got - want_k).abs() < 1e-5 * (1.0 + want_k.abs()),
                        "{norm:?} n={n} k={k}: {got} vs {want_k}"
                    );
                }
            }
        }
        assert!(!R2rDesc::new(R2rKind::Dct2, 7).makhoul());
        assert!(!R2rDesc::new(R2rKind::Dct4, 8).makhoul());
    }

    /// SciPy's orthonormal DCT-II and DCT-III are inverses; DCT-IV ortho is its own inverse.
    #[test]
    fn ortho_pairs_invert() {
        let x = [0.3, -1.2, 2.5, 0.7, -0.1, 1.9, 4.0];
        let y =
            R2rKind::Dct3.reference_row(Norm::Ortho, &R2rKind::Dct2.reference_row(Norm::Ortho, &x));
        let z =
            R2rKind::Dct4.reference_row(Norm::Ortho, &R2rKind::Dct4.reference_row(Norm::Ortho, &x));
        for i in 0..x.len() {
            assert!((y[i] - x[i]).abs() < 1e-12 && (z[i] - x[i]).abs() < 1e-12);
        }
    }
}
