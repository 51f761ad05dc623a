//! Monarch / matrix FFT: the power-of-two transform as dense DFT-matrix multiplies.
//!
//! `N = P_1·P_2·…` passes (Stockham order between passes, natural order in and out); each pass
//! runs `batch·N/P` independent P-point DFTs, `M = cap/P` of them per workgroup, and each P-point
//! DFT is `⌈log2 P / log2 R⌉` stages of R-point DFTs done as ONE dense real GEMM per stage:
//! `[2R × 2R] · [2R × cap/R]` with complex numbers in interleaved [Re; Im] block form (A's 2×2
//! blocks `[[Re F, −Im F], [Im F, Re F]]`), the twiddles applied between stages. A transform that
//! fits the workgroup (`N ≤ cap`, 2048 points on 32 KiB of workgroup memory) is one fused
//! dispatch; larger ones take ⌈log2 N / log2(cap/cols)⌉ passes (2^20: 2 or 3), each pass its
//! cross-pass twiddle on load. The GEMM stages run on the shared tile helpers:
//! `gemm_tile_vec4.wgsl` (f32 everywhere) or `coop_tile.wgsl` (cooperative matrices where the
//! adapter lists them: f16 operands, f32 accumulation — an f16-accuracy path, see
//! [`crate::harness::tolerance::Tolerance::fft_monarch`]).
//!
//! Why the block form rather than Gauss's 3-multiplication trick: one GEMM per stage with the
//! data as the B operand, no extra operand sums (each a further f16 rounding on the coop path),
//! and the 25% extra multiplies are cheap next to the operand traffic on every target.

use super::{grid_for, FftDesc, FftPlan, Pass, Slot};
use crate::error::Result;
use crate::ops::fft::config::{FftConfig, MonarchGemm};
use crate::runtime::pipelines::{Shader, Spec};
use crate::runtime::Context;

/// Uniform parameters of one pass (mirrors `MonarchParams` in monarch_core.wgsl).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
struct MonarchParams {
    n: u32,
    log_n: u32,
    ns: u32,
    log_ns: u32,
    cols: u32,
    log_tw: u32,
    log_f: u32,
    flags: u32,
    scale: f32,
    pad: [u32; 3],
}

/// One pass: P = 2^log_p points per sub-FFT, 2^log_m of them per workgroup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MonarchPass {
    /// log2 of the sub-FFT length.
    pub log_p: u32,
    /// log2 of the columns per workgroup.
    pub log_m: u32,
    /// log2 of the Stockham span before the pass.
    pub log_ns: u32,
    /// Columns fastest in memory order (strided passes).
    pub col_fast: bool,
}

/// The passes of a 2^log_n-point transform: one fused pass while it fits the workgroup, else
/// ⌈log_n / log_mp⌉ passes of near-equal length.
pub(crate) fn monarch_schedule(cfg: &FftConfig, log_n: u32) -> Vec<MonarchPass> {
    if log_n <= cfg.log_cap {
        return vec![MonarchPass {
            log_p: log_n,
            log_m: cfg.log_cap - log_n,
            log_ns: 0,
            col_fast: false,
        }];
    }
    let log_mp = cfg.log_cap - cfg.log_mp_cols;
    let k = log_n.div_ceil(log_mp);
    let (base, extra) = (log_n / k, log_n % k);
    let mut out = Vec::new();
    let mut log_ns = 0;
    for i in 0..k {
        let log_p = base + (i < extra) as u32;
        out.push(MonarchPass {
            log_p,
            log_m: cfg.log_cap - log_p,
            log_ns,
            col_fast: true,
        });
        log_ns += log_p;
    }
    out
}

/// The shader a Monarch configuration runs and its spec.
pub(crate) fn monarch_shader(cfg: &FftConfig, dtype: crate::DType) -> (Shader, Spec) {
    if let Some(tile) = cfg.coop_tile() {
        (
            super::shaders::MONARCH_COOP,
            Spec {
                dtype,
                coop: Some(tile),
            },
        )
    } else {
        (super::shaders::MONARCH_TILED, Spec::new(dtype))
    }
}

/// Override constants of one pass under `cfg`.
pub(crate) fn monarch_constants(cfg: &FftConfig, pass: &MonarchPass) -> Vec<(&'static str, f64)> {
    let f = |x: u32| x as f64;
    let r = cfg.radix();
    let mut c = vec![
        ("MP_LOG_P", f(pass.log_p)),
        ("MP_LOG_M", f(pass.log_m)),
        ("MP_LOG_R", f(r.trailing_zeros())),
        ("MP_LOG_LT", f(cfg.log_cap)),
        ("MP_COL_FAST", f(pass.col_fast as u32)),
    ];
    let cols = cfg.monarch_cols();
    match cfg.monarch_gemm() {
        Some(MonarchGemm::Coop { tile: t, sg }) => c.extend([
            ("SG", f(sg)),
            ("SGM", f(r / t)),
            ("SGN", f(cols / (2 * t))),
            ("CBK", f(2 * r)),
            ("MP_NSG", f(cfg.monarch_nsg())),
        ]),
        Some(MonarchGemm::Tiled { tn }) => {
            let (wx, wy) = cfg.monarch_wg();
            c.extend([
                ("BM", f(2 * r)),
                ("BN", f(cols)),
                ("BK", f(2 * r)),
                ("TM", f(crate::ops::fft::monarch_config::MONARCH_TM)),
                ("TN", f(tn)),
                ("WG_X", f(wx)),
                ("WG_Y", f(wy)),
            ]);
        }
        // Not a Monarch configuration: the plan never builds Monarch passes for it.
        None => {}
    }
    c
}

/// Override constants of every pass of a 2^log_n-point transform under a Monarch `cfg`, with the
/// shader and spec: what the shader-validation test translates for each adapter profile.
pub fn monarch_pass_constants(
    cfg: &FftConfig,
    dtype: crate::DType,
    log_n: u32,
) -> Vec<(Shader, Spec, crate::runtime::pipelines::Constants)> {
    let (shader, spec) = monarch_shader(cfg, dtype);
    monarch_schedule(cfg, log_n)
        .iter()
        .map(|p| (shader, spec, monarch_constants(cfg, p)))
        .collect()
}

/// The real [2R × 2R] matrices of I_g ⊗ F_{2^lr} for lr = 1..=log2 R, k-major
/// (`m[k·2R + row]`), interleaved (re, im) rows and columns, computed in f64.
fn dft_matrices(radix: u32) -> Vec<f32> {
    let two_r = 2 * radix as usize;
    let lr_max = radix.trailing_zeros();
    let mut out = vec![0f32; lr_max as usize * two_r * two_r];
    for lr in 1..=lr_max {
        let rl = 1usize << lr;
        let base = (lr as usize - 1) * two_r * two_r;
        for b in 0..radix as usize / rl {
            for o in 0..rl {
                for r in 0..rl {
                    let a = -2.0 * std::f64::consts::PI * ((o * r) % rl) as f64 / rl as f64;
                    let (re, im) = (a.cos() as f32, a.sin() as f32);
                    let row = 2 * (b * rl + o);
                    let k = 2 * (b * rl + r);
                    let mut put = |k: usize, row: usize, v: f32| out[base + k * two_r + row] = v;
                    put(k, row, re);
                    put(k + 1, row, -im);
                    put(k, row + 1, im);
                    put(k + 1, row + 1, re);
                }
            }
        }
    }
    out
}

/// exp(-2πi·t/2^log) for t < 2^log, in f64.
fn roots(log: u32) -> Vec<f32> {
    let n = 1u64 << log;
    (0..n)
        .flat_map(|t| {
            let a = -2.0 * std::f64::consts::PI * t as f64 / n as f64;
            [a.cos() as f32, a.sin() as f32]
        })
        .collect()
}

/// The cross-pass twiddle table of base length 2^log_tw: fine (2^log_f entries) then coarse.
fn fine_coarse(log_tw: u32) -> (Vec<f32>, u32) {
    let log_f = log_tw.div_ceil(2);
    let n = (1u64 << log_tw) as f64;
    let w = |i: u64| {
        let a = -2.0 * std::f64::consts::PI * i as f64 / n;
        [a.cos() as f32, a.sin() as f32]
    };
    let f = 1u64 << log_f;
    let mut t: Vec<f32> = (0..f).flat_map(w).collect();
    t.extend(((0..(1u64 << log_tw) / f).map(|j| j * f)).flat_map(w));
    (t, log_f)
}

/// Builds the plan of a power-of-two `desc` under a Monarch `config` (already validated).
pub(crate) fn plan(ctx: &Context, desc: FftDesc, config: FftConfig) -> Result<FftPlan> {
    let es = desc.dtype.size();
    let log_n = desc.n.trailing_zeros();
    let (table, log_f) = fine_coarse(log_n);
    let tw = ctx.upload("monarch twiddles", &table)?;
    let aux = vec![
        ctx.upload("monarch dft matrices", &dft_matrices(config.radix()))?,
        ctx.upload("monarch stage twiddles", &roots(config.log_cap))?,
    ];
    let (shader, spec) = monarch_shader(&config, desc.dtype);
    let sched = monarch_schedule(&config, log_n);
    let t = sched.len();
    let mut passes: Vec<Pass> = Vec::new();
    for (i, g) in sched.iter().enumerate() {
        let mut p = MonarchParams {
            n: desc.n,
            log_n,
            ns: 1 << g.log_ns,
            log_ns: g.log_ns,
            cols: desc.batch << (log_n - g.log_p),
            log_tw: log_n,
            log_f,
            flags: 0,
            scale: 1.0,
            pad: [0; 3],
        };
        if i == 0 && desc.inverse {
            p.flags |= super::CONJ_IN;
        }
        if i + 1 == t && desc.inverse {
            p.flags |= super::CONJ_OUT;
            p.scale = 1.0 / desc.n as f32;
        }
        let pipeline = ctx.pipeline(shader, spec, "main", &monarch_constants(&config, g))?;
        let wgs = (p.cols as u64).div_ceil(1u64 << g.log_m);
        let grid = grid_for(ctx, "Monarch FFT workgroup count", wgs)?;
        // Ping-pong between the output and one scratch buffer, ending in the output.
        let dst = if (t - 1 - i).is_multiple_of(2) {
            Slot::Output
        } else {
            Slot::Scratch(0)
        };
        let src = passes.last().map(|p| p.dst).unwrap_or(Slot::Input);
        passes.push(Pass {
            pipeline,
            params: ctx.uniform("monarch params", &p)?,
            grid,
            src,
            dst,
            aux: Some(0),
            spec: Some(1),
            views: super::Views::Vec4,
            dst_vec4: true,
        });
    }
    let mut scratch = Vec::new();
    if t > 1 {
        let bytes = desc.len() * es;
        ctx.check_binding_size("FFT scratch", bytes)?;
        scratch.push(ctx.storage("monarch scratch", bytes)?);
    }
    let dummy = ctx.storage("fft dummy", 16)?;
    let dummy_rw = ctx.storage("fft dummy (written)", 16)?;
    Ok(FftPlan {
        ctx: ctx.clone(),
        desc,
        config,
        chunks: Vec::new(),
        passes,
        scratch,
        tw,
        aux,
        dummy,
        dummy_rw,
    })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn params_match_the_wgsl_struct() {
        crate::runtime::pipelines::assert_uniform_layout!(
            MonarchParams,
            crate::ops::fft::shaders::MONARCH_TILED,
            "MonarchParams",
            [n, log_n, ns, log_ns, cols, log_tw, log_f, flags, scale]
        );
    }
}
