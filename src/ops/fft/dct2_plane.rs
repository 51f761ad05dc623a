//! 2-D DCT-II over the last two axes of even lengths, and its inverse DCT-III, by Makhoul's
//! route in both axes. DCT-II: the reordering, one 2-D real FFT (the rfftn chain), and a step
//! that turns its half spectrum into the cosine sums. DCT-III undoes them: a step from the
//! cosine sums to the half spectrum, the irfftn chain, the reordering undone
//! (`shaders/fft/dct2_plane.wgsl` has the algebra). Per axis (a complex FFT of real data between
//! two elementwise passes, with transposes around the column axis) the same transforms run three
//! real-data steps more and an FFT of at least twice the data.
//!
//! DCT-III's first step, derived. Let C be the unnormalised DCT-II of x (SciPy's `norm=None`)
//! and V the 2-D DFT of the reordered v. Per axis, the finishing step's algebra and its
//! inverse (`V[−k] = conj(V[k])` as v is real):
//!
//! ```text
//! C[k]     = 2·Re(e^{−iπk/2n}·V[k])
//! C[n − k] = −2·Im(e^{−iπk/2n}·V[k])
//! V[k]     = e^{iπk/2n}·(C[k] − i·C[n − k]) / 2,   C[n] = 0
//! ```
//!
//! Along both axes (DFTs are linear, so the column step commutes with the rows'), an index −0
//! standing for n (a zero):
//!
//! ```text
//! V[k1, k2] = ¼·e^{iπk1/2n1}·e^{iπk2/2n2}·(C[k1, k2] − C[−k1, −k2] − i·(C[−k1, k2] + C[k1, −k2]))
//! ```
//!
//! SciPy's DCT-III of X is that inverse of C = g·X per axis, g_k = 2n·w_k / (1 for k = 0, else
//! 2) with w [`R2rKind::Dct3`]'s pre-weights (so g is 2n for `backward`, 1 for `forward`, √(4n)
//! at k = 0 and √(2n) elsewhere for `ortho`). As g_{n−k} = g_k for k ≥ 1, g factors out of
//! each bin: the table holds `P[k] = g_k·e^{iπk/2n}/2` per axis.

use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::ops::fft::grid_for;
use crate::ops::fft::nd::Norm;
use crate::ops::fft::r2r::R2rKind;
use crate::runtime::pipelines::Spec;
use crate::runtime::{Context, Dispatch};
use std::sync::Arc;

/// Columns per invocation of both steps (`DP_RUN` in dct2_plane.wgsl); 64 invocations per
/// workgroup.
const DCT2_PLANE_RUN: u32 = 8;

/// Uniform parameters (mirrors `Dct2PlaneParams` in dct2_plane.wgsl).
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
struct Dct2PlaneParams {
    n1: u32,
    n2: u32,
    rows: u32,
    chunks: u32,
    inverse: u32,
    _pad: [u32; 3],
}

/// Which step around the 2-D real FFT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PlaneStep {
    /// DCT-II's first: the reordering (reals to reals).
    Reorder,
    /// DCT-II's last: the rfftn's half spectrum to the cosine sums.
    Finish,
    /// DCT-III's first: the cosine sums to the half spectrum of the reordered reals.
    Start,
    /// DCT-III's last: the irfftn's reals put back in order (`reorder` undone).
    Unreorder,
}

impl PlaneStep {
    /// The WGSL entry point.
    fn entry(self) -> &'static str {
        match self {
            PlaneStep::Reorder | PlaneStep::Unreorder => "reorder",
            PlaneStep::Finish => "finish",
            PlaneStep::Start => "start",
        }
    }
    /// Whether it runs over row pairs and half-spectrum columns (else over rows of n2 reals).
    fn pairs(self) -> bool {
        matches!(self, PlaneStep::Finish | PlaneStep::Start)
    }
}

/// One of the steps around the 2-D real FFT, planned for `planes` planes of n1 × n2.
#[derive(Debug)]
pub(crate) struct Dct2PlaneStep {
    ctx: Context,
    pipeline: Arc<wgpu::ComputePipeline>,
    params: wgpu::Buffer,
    /// T1 then T2 (DCT-II's post factors of each axis) or P1 then P2 (DCT-III's, see the module
    /// doc), SciPy's `norm` included; the reorderings bind it unread.
    table: wgpu::Buffer,
    grid: (u32, u32),
    step: PlaneStep,
}

impl Dct2PlaneStep {
    /// Whether the 2-D route applies: both lengths even.
    pub(crate) fn fits(n1: u64, n2: u64) -> bool {
        n1 >= 2 && n2 >= 2 && n1.is_multiple_of(2) && n2.is_multiple_of(2)
    }

    /// `step` over `planes` planes of n1 × n2 under `norm` (the half spectrum: `planes`·n1·
    /// (n2/2 + 1) bins; the reals: `planes`·n1·n2).
    pub(crate) fn new(
        ctx: &Context,
        dtype: DType,
        (n1, n2): (u32, u32),
        planes: u32,
        norm: Norm,
        step: PlaneStep,
    ) -> Result<Self> {
        if !Self::fits(n1 as u64, n2 as u64) {
            return Err(Error::Shape(format!(
                "2-D DCT by Makhoul's route needs even lengths, not {n1} × {n2}"
            )));
        }
        // A workgroup per 64·DCT2_PLANE_RUN columns of a row: its n2 reals, or its n2/2 + 1
        // bins.
        let cols = if step.pairs() { n2 / 2 + 1 } else { n2 };
        let chunks = cols.div_ceil(64 * DCT2_PLANE_RUN);
        // The spectral steps take the rows k1 and −k1 mod n1 together.
        let all_rows = n1 as u64 * planes as u64;
        let rows = if step.pairs() {
            (n1 as u64 / 2 + 1) * planes as u64
        } else {
            all_rows
        };
        let workgroups = rows * chunks as u64;
        // The largest index: a row's n2 reals, or its n2/2 + 1 bins as n2 + 2 scalars.
        if all_rows * (n2 as u64 + 2) > u32::MAX as u64 {
            return Err(Error::Shape(format!(
                "{planes} planes of {n1} × {n2} exceed the 32-bit index"
            )));
        }
        let factors = if step == PlaneStep::Start {
            start_factors
        } else {
            finish_factors
        };
        let mut t = factors(norm, n1 as usize);
        t.extend(factors(norm, n2 as usize));
        let p = Dct2PlaneParams {
            n1,
            n2,
            rows: rows as u32,
            chunks,
            inverse: (step == PlaneStep::Unreorder) as u32,
            _pad: [0; 3],
        };
        let pipeline = ctx.pipeline(
            super::shaders::DCT2_PLANE,
            Spec::new(dtype),
            step.entry(),
            &[],
        )?;
        Ok(Self {
            ctx: ctx.clone(),
            pipeline,
            params: ctx.uniform("dct2 plane params", &p)?,
            table: ctx.upload("dct2 plane factors", &t)?,
            grid: grid_for(ctx, "dct2 plane workgroups", workgroups)?,
            step,
        })
    }

    /// The step from `src` to `dst`.
    pub(crate) fn bind(&self, src: &wgpu::Buffer, dst: &wgpu::Buffer) -> Result<Dispatch> {
        // The finishing step reads bins (binding 2), the others reals (binding 1); the other
        // source binding gets the table, which none writes.
        let (reals, bins) = if self.step == PlaneStep::Finish {
            (&self.table, src)
        } else {
            (src, &self.table)
        };
        Dispatch::new(
            &self.ctx,
            self.pipeline.clone(),
            match self.step {
                PlaneStep::Reorder => "dct2 plane reorder",
                PlaneStep::Finish => "dct2 plane finish",
                PlaneStep::Start => "dct3 plane start",
                PlaneStep::Unreorder => "dct3 plane unreorder",
            },
            &[
                (0, &self.params),
                (1, reals),
                (2, bins),
                (3, dst),
                (4, &self.table),
            ],
            self.grid,
        )
    }
}

/// DCT-II's post factors T[k] of one axis of length n (SciPy's `norm` included): f32 pairs.
fn finish_factors(norm: Norm, n: usize) -> Vec<f32> {
    let (t, _, _) = R2rKind::Dct2.tables(norm, n);
    t[2 * n..].to_vec()
}

/// DCT-III's factors P[k] = g_k·e^{iπk/2n}/2 of one axis of length n (the module doc derives
/// them): f32 pairs.
fn start_factors(norm: Norm, n: usize) -> Vec<f32> {
    let w = R2rKind::Dct3.pre_weights(norm, n);
    (0..n)
        .flat_map(|k| {
            let g = 2.0 * n as f64 * w[k] / if k == 0 { 1.0 } else { 2.0 };
            let ang = std::f64::consts::PI * k as f64 / (2.0 * n as f64);
            [(g * ang.cos() / 2.0) as f32, (g * ang.sin() / 2.0) as f32]
        })
        .collect()
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use rustfft::num_complex::Complex;
    use std::f64::consts::PI;

    #[test]
    fn params_match_the_wgsl_struct() {
        crate::runtime::pipelines::assert_uniform_layout!(
            Dct2PlaneParams,
            crate::ops::fft::shaders::DCT2_PLANE,
            "Dct2PlaneParams",
            [n1, n2, rows, chunks, inverse]
        );
    }

    /// The f64 reference of `kind` over both axes of an n1 × n2 plane: along rows, then columns.
    fn separable(kind: R2rKind, norm: Norm, x: &[f64], n1: usize, n2: usize) -> Vec<f64> {
        let rows: Vec<f64> = (0..n1)
            .flat_map(|r| kind.reference_row(norm, &x[r * n2..(r + 1) * n2]))
            .collect();
        let mut out = vec![0.0; n1 * n2];
        for c in 0..n2 {
            let col: Vec<f64> = (0..n1).map(|r| rows[r * n2 + c]).collect();
            for (r, v) in kind.reference_row(norm, &col).into_iter().enumerate() {
                out[r * n2 + c] = v;
            }
        }
        out
    }

    /// The shader's algebra in f64 on the host: reorder, 2-D DFT, finish from the half spectrum
    /// only, against the separable direct sums under every norm.
    #[test]
    fn makhoul_2d_gives_dctn() {
        let src = |m: usize, n: usize| {
            if 2 * m < n {
                2 * m
            } else {
                2 * (n - 1 - m) + 1
            }
        };
        for norm in [Norm::Backward, Norm::Ortho, Norm::Forward] {
            for (n1, n2) in [(2usize, 2usize), (4, 6), (6, 4), (8, 10)] {
                let x: Vec<f64> = (0..n1 * n2)
                    .map(|i| ((i * 7 + 3) % 11) as f64 - 4.2)
                    .collect();
                let want = separable(R2rKind::Dct2, norm, &x, n1, n2);
                let v: Vec<f64> = (0..n1 * n2)
                    .map(|i| x[src(i / n2, n1) * n2 + src(i % n2, n2)])
                    .collect();
                let bins = n2 / 2 + 1;
                let h: Vec<Complex<f64>> = (0..n1 * bins)
                    .map(|i| {
                        let (k1, k2) = (i / bins, i % bins);
                        (0..n1 * n2)
                            .map(|j| {
                                let (m1, m2) = (j / n2, j % n2);
                                let ang = -2.0
                                    * PI
                                    * ((m1 * k1) as f64 / n1 as f64 + (m2 * k2) as f64 / n2 as f64);
                                v[j] * Complex::from_polar(1.0, ang)
                            })
                            .sum()
                    })
                    .collect();
                let t = |n: usize| {
                    let (t, _, _) = R2rKind::Dct2.tables(norm, n);
                    (0..n)
                        .map(|k| Complex::new(t[2 * (n + k)] as f64, t[2 * (n + k) + 1] as f64))
                        .collect::<Vec<_>>()
                };
                let (t1, t2) = (t(n1), t(n2));
                for k1 in 0..n1 {
                    for k2 in 0..n2 {
                        // The bins the shader reads for this output.
                        let (kk, flip) = if k2 <= n2 / 2 {
                            (k2, false)
                        } else {
                            (n2 - k2, true)
                        };
                        let a = h[k1 * bins + kk];
                        let b = h[((n1 - k1) % n1) * bins + kk].conj();
                        let (va, vb) = if flip { (b, a) } else { (a, b) };
                        let s = t2[k2] * va + t2[k2].conj() * vb;
                        let got = (0.5 * t1[k1] * s).re;
                        let w = want[k1 * n2 + k2];
                        assert!(
                            (got - w).abs() < 1e-4 * (1.0 + w.abs()),
                            "{norm:?} {n1}x{n2} ({k1},{k2}): {got} vs {w}"
                        );
                    }
                }
            }
        }
    }

    /// DCT-III's steps in f64 on the host: the half spectrum from the shader's four reals and
    /// the `start` factors, the inverse 2-D DFT of its Hermitian completion, the reordering
    /// undone, against the separable direct sums under every norm.
    #[test]
    fn makhoul_2d_inverse_gives_idctn() {
        let dst = |j: usize, n: usize| {
            if j.is_multiple_of(2) {
                j / 2
            } else {
                n - 1 - j / 2
            }
        };
        for norm in [Norm::Backward, Norm::Ortho, Norm::Forward] {
            for (n1, n2) in [(2usize, 2usize), (4, 6), (6, 4), (8, 10)] {
                let x: Vec<f64> = (0..n1 * n2)
                    .map(|i| ((i * 5 + 1) % 13) as f64 - 5.7)
                    .collect();
                let want = separable(R2rKind::Dct3, norm, &x, n1, n2);
                let p = |n: usize| {
                    let t = start_factors(norm, n);
                    (0..n)
                        .map(|k| Complex::new(t[2 * k] as f64, t[2 * k + 1] as f64))
                        .collect::<Vec<_>>()
                };
                let (p1, p2) = (p(n1), p(n2));
                // X at (k1, k2) with an index −0 (written n) counting as zero.
                let at = |k1: usize, k2: usize| {
                    if k1 == n1 || k2 == n2 {
                        0.0
                    } else {
                        x[k1 * n2 + k2]
                    }
                };
                let bins = n2 / 2 + 1;
                let h: Vec<Complex<f64>> = (0..n1 * bins)
                    .map(|i| {
                        let (k1, k2) = (i / bins, i % bins);
                        let (m1, m2) = (n1 - k1, n2 - k2);
                        let re = at(k1, k2) - at(m1, m2);
                        let im = -(at(m1, k2) + at(k1, m2));
                        p1[k1] * p2[k2] * Complex::new(re, im)
                    })
                    .collect();
                let full = |k1: usize, k2: usize| {
                    if k2 < bins {
                        h[k1 * bins + k2]
                    } else {
                        h[((n1 - k1) % n1) * bins + n2 - k2].conj()
                    }
                };
                for j1 in 0..n1 {
                    for j2 in 0..n2 {
                        let (m1, m2) = (dst(j1, n1), dst(j2, n2));
                        let v: Complex<f64> = (0..n1 * n2)
                            .map(|i| {
                                let (k1, k2) = (i / n2, i % n2);
                                let ang = 2.0
                                    * PI
                                    * ((m1 * k1) as f64 / n1 as f64 + (m2 * k2) as f64 / n2 as f64);
                                full(k1, k2) * Complex::from_polar(1.0, ang)
                            })
                            .sum::<Complex<f64>>()
                            / (n1 * n2) as f64;
                        let w = want[j1 * n2 + j2];
                        assert!(
                            (v.re - w).abs() < 1e-4 * (1.0 + w.abs())
                                && v.im.abs() < 1e-4 * (1.0 + w.abs()),
                            "{norm:?} {n1}x{n2} ({j1},{j2}): {v} vs {w}"
                        );
                    }
                }
            }
        }
    }
}
