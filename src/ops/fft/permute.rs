//! The strided copy behind the N-D transforms (shaders/fft/permute.wgsl): transposes, strided
//! gathers and scatters, normalisation and the frequency filter's product, as one kernel over a
//! 4-D index space whose input and output strides are uniforms (one pipeline per storage type
//! and access pattern, whatever the shape).

use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::ops::fft::grid_for;
use crate::runtime::pipelines::Spec;
use crate::runtime::{Context, Dispatch};
use std::sync::Arc;

/// Uniform parameters (mirrors `PermParams` in permute.wgsl).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
struct PermParams {
    d1: u32,
    d2: u32,
    d3: u32,
    tiles2: u32,
    tiles3: u32,
    total_wg: u32,
    comps: u32,
    filtered: u32,
    in_off: u32,
    out_off: u32,
    scale: f32,
    _p0: u32,
    is: [u32; 4],
    os: [u32; 4],
    fs: [u32; 4],
}

/// Side of the 2-D tile one workgroup moves.
const TILE: u64 = 32;

/// One strided copy: `dst[out(i)] = scale · src[in(i)]` over the index space `dims`, where
/// `in(i) = Σ i_d·in_strides[d]` (likewise out), in elements of `comps` scalars.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Copy4 {
    /// Index space, outermost first.
    pub dims: [u32; 4],
    /// Input strides per index dimension, in elements.
    pub in_strides: [u64; 4],
    /// Output strides per index dimension, in elements.
    pub out_strides: [u64; 4],
    /// 1 (real) or 2 (complex) scalars per element.
    pub comps: u32,
    /// Factor applied to every element.
    pub scale: f32,
    /// Filter strides per index dimension (complex f32 filter), when the copy multiplies by one.
    pub filter: Option<[u64; 4]>,
}

impl Copy4 {
    /// Transpose of `batch` contiguous (rows × cols) matrices into (cols × rows).
    pub fn transpose(batch: u64, rows: u64, cols: u64, comps: u32) -> Self {
        Self {
            dims: [1, batch as u32, cols as u32, rows as u32],
            in_strides: [0, rows * cols, 1, cols],
            out_strides: [0, rows * cols, rows, 1],
            comps,
            scale: 1.0,
            filter: None,
        }
    }

    /// A contiguous copy of `rows` × `cols` elements (for a scale or a filter product).
    pub fn contiguous(rows: u64, cols: u64, comps: u32) -> Self {
        Self::strided(&[rows, cols], &[cols, 1], &[cols, 1], comps)
    }

    /// A copy over `shape` (at most 4 dims) with the given element strides.
    pub fn strided(shape: &[u64], in_strides: &[u64], out_strides: &[u64], comps: u32) -> Self {
        let pad = 4 - shape.len();
        let mut c = Self {
            dims: [1; 4],
            in_strides: [0; 4],
            out_strides: [0; 4],
            comps,
            scale: 1.0,
            filter: None,
        };
        for (i, &d) in shape.iter().enumerate() {
            c.dims[pad + i] = d as u32;
            c.in_strides[pad + i] = in_strides[i];
            c.out_strides[pad + i] = out_strides[i];
        }
        c
    }

    /// One past the largest input (or output) element offset touched.
    pub fn extent(strides: &[u64; 4], dims: &[u32; 4]) -> u64 {
        1 + strides
            .iter()
            .zip(dims)
            .map(|(&s, &d)| s * (d as u64).saturating_sub(1))
            .sum::<u64>()
    }
}

/// A planned strided copy.
#[derive(Debug)]
pub(crate) struct PermutePlan {
    ctx: Context,
    pipeline: Arc<wgpu::ComputePipeline>,
    params: wgpu::Buffer,
    grid: (u32, u32),
    filtered: bool,
    complex: bool,
    /// Stand-ins for the views a plan does not use (read-only, written).
    stand_in: wgpu::Buffer,
    stand_in_rw: wgpu::Buffer,
}

fn u32_of(what: &str, v: u64) -> Result<u32> {
    u32::try_from(v).map_err(|_| {
        Error::Shape(format!(
            "{what} = {v} does not fit the 32-bit indices of the strided copy"
        ))
    })
}

impl PermutePlan {
    /// Plans `c` on `dtype` storage; `tiled`: a transpose goes through workgroup memory.
    pub fn new(ctx: &Context, dtype: DType, c: &Copy4, tiled: bool) -> Result<Self> {
        // The tile pays off when the source is contiguous along i2 and not along i3 (a
        // transpose); otherwise both sides run along i3.
        let transpose = tiled && c.in_strides[2] == 1 && c.in_strides[3] != 1 && c.dims[2] > 1;
        let tiles2 = (c.dims[2] as u64).div_ceil(TILE);
        let tiles3 = (c.dims[3] as u64).div_ceil(TILE);
        let total = c.dims[0] as u64 * c.dims[1] as u64 * tiles2 * tiles3;
        let ie = Copy4::extent(&c.in_strides, &c.dims);
        let oe = Copy4::extent(&c.out_strides, &c.dims);
        let fs = c.filter.unwrap_or([0; 4]);
        let s = |v: [u64; 4], what: &str| -> Result<[u32; 4]> {
            Ok([
                u32_of(what, v[0])?,
                u32_of(what, v[1])?,
                u32_of(what, v[2])?,
                u32_of(what, v[3])?,
            ])
        };
        u32_of("strided copy input extent", ie * c.comps as u64)?;
        u32_of("strided copy output extent", oe * c.comps as u64)?;
        let p = PermParams {
            d1: c.dims[1],
            d2: c.dims[2],
            d3: c.dims[3],
            tiles2: u32_of("tiles", tiles2)?,
            tiles3: u32_of("tiles", tiles3)?,
            total_wg: u32_of("strided copy workgroups", total)?,
            comps: c.comps,
            filtered: c.filter.is_some() as u32,
            in_off: 0,
            out_off: 0,
            scale: c.scale,
            _p0: 0,
            is: s(c.in_strides, "input stride")?,
            os: s(c.out_strides, "output stride")?,
            fs: s(fs, "filter stride")?,
        };
        let pipeline = ctx.pipeline(
            super::shaders::PERMUTE,
            Spec::new(dtype),
            "main",
            &[("TRANSPOSE", transpose as u8 as f64)],
        )?;
        Ok(Self {
            ctx: ctx.clone(),
            pipeline,
            params: ctx.uniform("fft permute params", &p)?,
            grid: grid_for(ctx, "strided copy workgroups", total)?,
            filtered: c.filter.is_some(),
            complex: c.comps == 2,
            stand_in: ctx.storage("fft permute stand-in", 16)?,
            stand_in_rw: ctx.storage("fft permute stand-in (written)", 16)?,
        })
    }

    /// Binds source, destination and (for a filtered copy) the filter.
    pub fn bind(
        &self,
        src: &wgpu::Buffer,
        dst: &wgpu::Buffer,
        filter: Option<&wgpu::Buffer>,
    ) -> Result<Dispatch> {
        let f = if self.filtered {
            filter.ok_or_else(|| Error::Shape("the filtered copy needs its filter".into()))?
        } else {
            &self.stand_in
        };
        let (r, w) = (&self.stand_in, &self.stand_in_rw);
        let (s1, d1, s2, d2) = if self.complex {
            (r, w, src, dst)
        } else {
            (src, dst, r, w)
        };
        Dispatch::new(
            &self.ctx,
            self.pipeline.clone(),
            "fft permute",
            &[
                (0, &self.params),
                (1, s1),
                (2, d1),
                (3, f),
                (4, s2),
                (5, d2),
            ],
            self.grid,
        )
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn params_match_the_wgsl_struct() {
        crate::runtime::pipelines::assert_uniform_layout!(
            PermParams,
            crate::ops::fft::shaders::PERMUTE,
            "PermParams",
            [
                d1, d2, d3, tiles2, tiles3, total_wg, comps, filtered, in_off, out_off, scale, is,
                os, fs
            ]
        );
    }

    #[test]
    fn transpose_strides() {
        let t = Copy4::transpose(2, 3, 5, 2);
        assert_eq!(t.dims, [1, 2, 5, 3]);
        assert_eq!(Copy4::extent(&t.in_strides, &t.dims), 30);
        assert_eq!(Copy4::extent(&t.out_strides, &t.dims), 30);
    }
}
