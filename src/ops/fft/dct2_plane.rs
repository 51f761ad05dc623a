//! 2-D DCT-II over the last two axes of even lengths by Makhoul's route in both axes: the
//! reordering, one 2-D real FFT (the rfftn chain), and a step that turns its half spectrum into
//! the cosine sums (`shaders/fft/dct2_plane.wgsl` has the algebra). Per axis (an n-point complex
//! FFT of real data between two elementwise passes, with transposes around the column axis) the
//! same transform runs three real-data steps more and an FFT of twice the data.

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
}

/// One of the two steps around the 2-D real FFT, planned for `planes` planes of n1 × n2.
#[derive(Debug)]
pub(crate) struct Dct2PlaneStep {
    ctx: Context,
    pipeline: Arc<wgpu::ComputePipeline>,
    params: wgpu::Buffer,
    /// T1 then T2 (the post factors of each axis, SciPy's `norm` included); the reordering
    /// binds it unread.
    table: wgpu::Buffer,
    grid: (u32, u32),
    finish: bool,
}

impl Dct2PlaneStep {
    /// Whether the 2-D route applies: both lengths even.
    pub(crate) fn fits(n1: u64, n2: u64) -> bool {
        n1 >= 2 && n2 >= 2 && n1.is_multiple_of(2) && n2.is_multiple_of(2)
    }

    /// The reordering (`finish` false: reals to reals) or the finishing step (the half
    /// spectrum, `planes`·n1·(n2/2 + 1) bins, to `planes`·n1·n2 reals) under `norm`.
    pub(crate) fn new(
        ctx: &Context,
        dtype: DType,
        (n1, n2): (u32, u32),
        planes: u32,
        norm: Norm,
        finish: bool,
    ) -> Result<Self> {
        if !Self::fits(n1 as u64, n2 as u64) {
            return Err(Error::Shape(format!(
                "2-D DCT-II by Makhoul's route needs even lengths, not {n1} × {n2}"
            )));
        }
        // A workgroup per 64·DCT2_PLANE_RUN columns of a row: its n2 reals, or its n2/2 + 1
        // bins.
        let cols = if finish { n2 / 2 + 1 } else { n2 };
        let chunks = cols.div_ceil(64 * DCT2_PLANE_RUN);
        // The finishing step takes the rows k1 and −k1 mod n1 together.
        let all_rows = n1 as u64 * planes as u64;
        let rows = if finish {
            (n1 as u64 / 2 + 1) * planes as u64
        } else {
            all_rows
        };
        let workgroups = rows * chunks as u64;
        if all_rows * n2 as u64 > u32::MAX as u64 {
            return Err(Error::Shape(format!(
                "{planes} planes of {n1} × {n2} exceed the 32-bit index"
            )));
        }
        let post = |n: u32| {
            let (t, _, _) = R2rKind::Dct2.tables(norm, n as usize);
            t[2 * n as usize..].to_vec()
        };
        let mut t = post(n1);
        t.extend(post(n2));
        let p = Dct2PlaneParams {
            n1,
            n2,
            rows: rows as u32,
            chunks,
        };
        let entry = if finish { "finish" } else { "reorder" };
        Ok(Self {
            ctx: ctx.clone(),
            pipeline: ctx.pipeline(super::shaders::DCT2_PLANE, Spec::new(dtype), entry, &[])?,
            params: ctx.uniform("dct2 plane params", &p)?,
            table: ctx.upload("dct2 plane factors", &t)?,
            grid: grid_for(ctx, "dct2 plane workgroups", workgroups)?,
            finish,
        })
    }

    /// The step from `src` to `dst`.
    pub(crate) fn bind(&self, src: &wgpu::Buffer, dst: &wgpu::Buffer) -> Result<Dispatch> {
        // The reordering reads reals (binding 1), the finishing step bins (binding 2); the
        // other source binding gets the table, which neither writes.
        let (reals, bins) = if self.finish {
            (&self.table, src)
        } else {
            (src, &self.table)
        };
        Dispatch::new(
            &self.ctx,
            self.pipeline.clone(),
            if self.finish {
                "dct2 plane finish"
            } else {
                "dct2 plane reorder"
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
            [n1, n2, rows, chunks]
        );
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
                // The reference: DCT-II along rows, then along columns.
                let rows: Vec<f64> = (0..n1)
                    .flat_map(|r| R2rKind::Dct2.reference_row(norm, &x[r * n2..(r + 1) * n2]))
                    .collect();
                let mut want = vec![0.0; n1 * n2];
                for c in 0..n2 {
                    let col: Vec<f64> = (0..n1).map(|r| rows[r * n2 + c]).collect();
                    for (r, v) in R2rKind::Dct2
                        .reference_row(norm, &col)
                        .into_iter()
                        .enumerate()
                    {
                        want[r * n2 + c] = v;
                    }
                }
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
}
