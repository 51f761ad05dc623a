//! The fused global filter (`shaders/fft/filter_fused.wgsl`): the whole layer in one dispatch
//! for maps whose spectrum fits workgroup memory, each map read once and written once. Row and
//! column transforms are mixed-radix Stockham stages in workgroup memory whose butterflies are
//! direct sums against a twiddle table (`shaders/common/wg_dft.wgsl`), so 7, 14, 28 or 56 points
//! run as directly as powers of two; shapes and radices are uniforms (one pipeline per storage
//! type). For even widths the spectrum is packed (bins 0 and w/2 of a real row share one complex
//! value), so a 64 × 64 map takes 16 KiB, WebGPU's default workgroup storage.

use crate::error::{Error, Result};
use crate::ops::fft::filter::FilterDesc;
use crate::ops::fft::grid_for;
use crate::runtime::pipelines::Spec;
use crate::runtime::{Context, Dispatch};
use std::sync::Arc;

/// Complex values of workgroup memory the kernel holds (`WGD_CAP` in wg_dft.wgsl).
pub(crate) const CAP: u32 = 2048;
/// Invocations per workgroup (`WGD_THREADS`).
const THREADS: u32 = 256;
/// The largest radix (a prime factor of h or w) the fused kernel takes: a stage of radix r costs
/// r complex products per value, so longer prime lengths stay on the chain (Bluestein).
pub(crate) const MAX_RADIX: u32 = 64;
/// Stages per axis the parameter block holds.
const MAX_STAGES: usize = 8;

/// Uniform parameters (mirrors `GfParams` in filter_fused.wgsl).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
struct GfParams {
    h: u32,
    w: u32,
    wb: u32,
    pairs: u32,
    batch: u32,
    maps: u32,
    stride: u32,
    total_wg: u32,
    nsw: u32,
    nsh: u32,
    tw_h: u32,
    scale: f32,
    rw: [u32; MAX_STAGES],
    rh: [u32; MAX_STAGES],
}

/// The radices of n's stages: 4s first (as few stages as radix 2 would take, half the
/// barriers), then a 2, then the odd prime factors. Empty for n = 1.
pub(crate) fn radices(mut n: u32) -> Vec<u32> {
    let mut v = Vec::new();
    while n.is_multiple_of(4) {
        v.push(4);
        n /= 4;
    }
    let mut p = 2;
    while n > 1 {
        while n.is_multiple_of(p) {
            v.push(p);
            n /= p;
        }
        p += 1;
    }
    v
}

/// Values of workgroup memory one map takes: its row pairs or its stored spectrum (⌈w/2⌉ values
/// per row, packed for even w), the larger.
fn map_stride(d: &FilterDesc) -> u64 {
    let pairs = (d.h as u64).div_ceil(2);
    (pairs * d.w as u64).max(d.h as u64 * (d.w as u64).div_ceil(2))
}

/// Why `d` cannot run fused on an adapter with these limits, or `None` when it can.
pub(crate) fn unfit(d: &FilterDesc, limits: &wgpu::Limits) -> Option<String> {
    let stride = map_stride(d);
    if stride > CAP as u64 {
        return Some(format!(
            "a {} x {} map takes {stride} complex values of workgroup memory, over the fused \
             kernel's {CAP}",
            d.h, d.w
        ));
    }
    for n in [d.h, d.w] {
        let r = radices(n);
        if r.len() > MAX_STAGES || r.iter().any(|&r| r > MAX_RADIX) {
            return Some(format!(
                "length {n} has a prime factor over {MAX_RADIX} (the fused kernel sums each \
                 radix directly)"
            ));
        }
    }
    if !crate::tune::fits_limits(limits, THREADS, CAP as u64 * 8, THREADS, 1) {
        return Some(format!(
            "the fused kernel needs {THREADS} invocations and {} bytes of workgroup memory",
            CAP * 8
        ));
    }
    None
}

/// The fused layer planned for one problem.
#[derive(Debug)]
pub(crate) struct FusedFilter {
    ctx: Context,
    pipeline: Arc<wgpu::ComputePipeline>,
    params: wgpu::Buffer,
    twiddles: wgpu::Buffer,
    grid: (u32, u32),
}

impl FusedFilter {
    /// Plans `d` (an [`Error::Unsupported`] naming the cause where it does not fit).
    pub fn new(ctx: &Context, d: &FilterDesc) -> Result<Self> {
        if let Some(why) = unfit(d, &ctx.limits()) {
            return Err(Error::Unsupported(why));
        }
        let stride = map_stride(d) as u32;
        let maps = (CAP / stride).min(d.batch);
        let total_wg = d.batch.div_ceil(maps);
        let stages = |n: u32| {
            let r = radices(n);
            let mut a = [1u32; MAX_STAGES];
            a[..r.len()].copy_from_slice(&r);
            (r.len() as u32, a)
        };
        let ((nsw, rw), (nsh, rh)) = (stages(d.w), stages(d.h));
        let p = GfParams {
            h: d.h,
            w: d.w,
            wb: d.w / 2 + 1,
            pairs: d.h.div_ceil(2),
            batch: d.batch,
            maps,
            stride,
            total_wg,
            nsw,
            nsh,
            tw_h: d.w,
            scale: (1.0 / (d.h as f64 * d.w as f64)) as f32,
            rw,
            rh,
        };
        // exp(-2πi·e/n) for e < n, n = w then h, in f64 (e < n exactly); padded to whole vec4s.
        let mut tw: Vec<f32> = [d.w, d.h]
            .iter()
            .flat_map(|&n| {
                (0..n).flat_map(move |e| {
                    let a = -2.0 * std::f64::consts::PI * e as f64 / n as f64;
                    [a.cos() as f32, a.sin() as f32]
                })
            })
            .collect();
        tw.resize(tw.len().next_multiple_of(4), 0.0);
        let pipeline = ctx.pipeline(
            super::shaders::FILTER_FUSED,
            Spec::new(d.dtype),
            "main",
            &[],
        )?;
        Ok(Self {
            ctx: ctx.clone(),
            pipeline,
            params: ctx.uniform("fused filter params", &p)?,
            twiddles: ctx.upload("fused filter twiddles", &tw)?,
            grid: grid_for(ctx, "fused filter workgroups", total_wg as u64)?,
        })
    }

    /// Binds x (read), the filter (read) and y (written); the caller checked their sizes.
    pub fn bind(
        &self,
        x: &wgpu::Buffer,
        filter: &wgpu::Buffer,
        y: &wgpu::Buffer,
    ) -> Result<Dispatch> {
        Dispatch::new(
            &self.ctx,
            self.pipeline.clone(),
            "fused global filter",
            &[
                (0, &self.params),
                (1, &self.twiddles),
                (2, x),
                (3, filter),
                (4, y),
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
            GfParams,
            crate::ops::fft::shaders::FILTER_FUSED,
            "GfParams",
            [h, w, wb, pairs, batch, maps, stride, total_wg, nsw, nsh, tw_h, scale, rw, rh]
        );
    }

    #[test]
    fn radices_multiply_back() {
        assert_eq!(radices(1), Vec::<u32>::new());
        assert_eq!(radices(64), vec![4, 4, 4]);
        assert_eq!(radices(56), vec![4, 2, 7]);
        assert_eq!(radices(14), vec![2, 7]);
        assert_eq!(radices(61), vec![61]);
        for n in 1..=300u32 {
            assert_eq!(radices(n).iter().product::<u32>(), n);
        }
    }

    #[test]
    fn fit_rule() {
        let l = wgpu::Limits {
            max_compute_workgroup_storage_size: 32768,
            ..Default::default()
        };
        assert!(unfit(&FilterDesc::new(8, 64, 64), &l).is_none());
        assert!(unfit(&FilterDesc::new(1, 1, 1), &l).is_none());
        assert!(unfit(&FilterDesc::new(1, 1, 2048), &l).is_none());
        assert!(unfit(&FilterDesc::new(1, 3, 2048), &l).is_some());
        assert!(unfit(&FilterDesc::new(1, 128, 64), &l).is_some());
        assert!(unfit(&FilterDesc::new(1, 67, 8), &l).is_some());
        // WebGPU's default 16 KiB holds a 64 × 64 map (packed spectrum), not 66 × 64.
        assert!(unfit(&FilterDesc::new(1, 64, 64), &wgpu::Limits::default()).is_none());
        assert!(unfit(&FilterDesc::new(1, 66, 64), &wgpu::Limits::default()).is_some());
        assert!(unfit(&FilterDesc::new(1, 64, 63), &wgpu::Limits::default()).is_none());
        assert!(unfit(&FilterDesc::new(1, 65, 63), &wgpu::Limits::default()).is_some());
    }
}
