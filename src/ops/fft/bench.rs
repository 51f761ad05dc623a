//! FFT cases of the vendor report: batched c2c f32 over ~64 MiB per batch at N ∈ {256, 1K, 4K,
//! 64K, 1M} (Stockham and Monarch), the smooth length 1000 and the prime 1009 (full: 2018 = 2 ·
//! 1009 too); then the N-D transforms
//! (2-D c2c, r2c beside c2c, 2-D DCT-II; full: 4096², 256³) and the global filter and DCT
//! low-pass layers, each against running its parts, in alternating rounds. Bytes = read +
//! write of the buffer per transform (the VkFFT convention), reported as GB/s and as a share of
//! the measured copy-kernel bandwidth.

use super::work::{fft_work, nd_work, NdCase};
use super::NAME;
use crate::dtype::DType;
use crate::error::Result;
use crate::harness::bench::{bench_each, config_for, prebuild, time_case};
use crate::harness::tolerance::compare;
use crate::harness::tolerance::Tolerance;
use crate::harness::verify::random_data;
use crate::ops::fft::config::FftConfig;
use crate::ops::fft::reference::fft_ref;
use crate::ops::fft::verify::fft_shape_json;
use crate::ops::fft::{FftDesc, FftPlan};
use crate::probe::Peaks;
use crate::report::BenchResult;
use crate::runtime::{read_buffer, Context};

/// Bytes of one batch in the report's cases.
pub const BATCH_BYTES: u64 = 64 << 20;

/// The FFT cases: (desc, config or the dispatcher's pick).
pub fn fft_cases(ctx: &Context, quick: bool) -> Vec<(FftDesc, Option<FftConfig>)> {
    let mut v = Vec::new();
    // Quick: five sizes; full: every power of two from 256 to 2^20 (issue 14's 1-D targets,
    // each as a share of the copy kernel measured in the same run).
    let logs: Vec<u32> = if quick {
        vec![8, 10, 12, 16, 20]
    } else {
        (8..=20).collect()
    };
    for log in logs {
        let n = 1u32 << log;
        let batch = (BATCH_BYTES / 8 / n as u64).max(1) as u32;
        v.push((FftDesc::new(n).batch(batch), None));
    }
    // Both algorithms at 256, 1024, 4096, 65536 and 2^20: the Monarch (matrix) FFT's best
    // untuned configuration beside the dispatcher's pick (quick mode: only at 4096, since Monarch
    // is the slow one on CPU adapters and its 2^20 case alone took ~5 s of the quick report).
    let pow2: Vec<FftDesc> = v.iter().map(|c| c.0).collect();
    let monarch_at = |n: u32| {
        if quick {
            n == 4096
        } else {
            [1 << 8, 1 << 10, 1 << 12, 1 << 16, 1 << 20].contains(&n)
        }
    };
    for d in pow2.into_iter().filter(|d| monarch_at(d.n)) {
        if let Some(c) =
            crate::ops::fft::monarch_config::monarch_default(ctx.caps(), &ctx.limits(), &d)
        {
            v.push((d, Some(c)));
        }
    }
    // A smooth length (the mixed-radix kernel) and a prime one (Rader's algorithm since stop 42:
    // two transforms of 1008 points where one dispatch takes 1008, else Bluestein's two of
    // 2048), ~64 MiB per batch like the others.
    v.push((FftDesc::new(1000).batch(8192), None));
    v.push((FftDesc::new(1009).batch(8192), None));
    if !quick {
        v.push((FftDesc::new(1 << 22).batch(2), None));
        v.push((FftDesc::new(44100).batch(16), None));
        // A Rader prime times a smooth length (stop 43: Rader's pass over the columns, then a
        // 2-point mixed-radix pass; Bluestein's 4096-point transforms before).
        v.push((FftDesc::new(2018).batch(4096), None));
        v.push((FftDesc::new(4096).batch(2048).inverse(true), None));
    }
    v
}

/// Benchmarks one FFT case; the first transform of the batch is spot-checked against rustfft.
pub fn bench_fft_case(
    ctx: &Context,
    peaks: &Peaks,
    desc: FftDesc,
    config: Option<FftConfig>,
    quick: bool,
) -> Result<BenchResult> {
    let picked = match config {
        Some(c) => crate::tune::Picked {
            config: c,
            source: crate::tune::ConfigSource::Explicit,
        },
        None => crate::ops::fft::tune::fft_pick_with_source(ctx, &desc),
    };
    let plan = FftPlan::new(ctx, desc, Some(picked.config))?;
    let (x, xf) = random_data::<f32>(desc.len() as usize, 5);
    let a = ctx.upload("fft in", &x)?;
    let b = ctx.storage("fft out", desc.bytes())?;
    let bound = plan.bind(&a, &b)?;
    // One untimed run (a second only for short kernels), then the timed runs: see time_case.
    let t = time_case(ctx, quick, &|pass| bound.record(pass))?;
    let check = 2 * desc.n as usize;
    let got: Vec<f32> = pollster::block_on(read_buffer(ctx, &b, check))?;
    let got: Vec<f64> = got.iter().map(|&v| v as f64).collect();
    let want = fft_ref(desc.n as usize, 1, desc.inverse, &xf[..check]);
    let err = compare(&got, &want, Tolerance::fft(DType::F32, desc.n as u64));
    let secs = t.median_ms * 1e-3;
    let gbps = 2.0 * desc.bytes() as f64 / secs / 1e9;
    let flops = 5.0 * desc.n as f64 * (desc.n as f64).log2() * desc.batch as f64;
    let cfg = *plan.config();
    Ok(BenchResult {
        op: "fft".into(),
        variant: plan.variant().into(),
        dtype: desc.dtype,
        shape: fft_shape_json(&desc),
        median_ms: t.median_ms,
        samples_ms: t.samples_ms.clone(),
        work: Some(fft_work(&desc)),
        gflops: Some(flops / secs / 1e9),
        gbps: Some(gbps),
        pct_of_peak: Some(100.0 * gbps / peaks.copy_gbps),
        config: format!(
            "{} ({} dispatch{})",
            cfg.label(),
            plan.dispatches(),
            if plan.dispatches() == 1 { "" } else { "es" }
        ),
        rel_l2_err: err.rel_l2_err,
        timing: format!("{:?}", t.source).to_lowercase(),
        config_source: picked.source.name().into(),
        note: if err.pass {
            "gbps = (read+write)/time, % of copy kernel".into()
        } else {
            "FAILED reference spot check".into()
        },
        ..Default::default()
    })
}

/// Benchmarks every case of this op (`ops::bench_op` runs it by name). `progress(done, total,
/// label)` is called before each case, `on_result` with each row as soon as it is measured; a
/// case that fails to run is reported through `on_error` and skipped.
pub fn bench_all(
    ctx: &Context,
    peaks: &Peaks,
    quick: bool,
    progress: &mut dyn FnMut(usize, usize, &str),
    on_result: &mut dyn FnMut(&BenchResult),
    on_error: &mut dyn FnMut(String),
) -> Vec<BenchResult> {
    let cases = fft_cases(ctx, quick);
    prebuild(ctx, &cases, |(d, c)| {
        let cfg = config_for::<crate::ops::fft::tune::FftTune>(ctx, d, *c);
        let _ = crate::FftPlan::new(ctx, *d, Some(cfg));
    });
    let mut rows = bench_each(
        NAME,
        &cases,
        |(desc, _)| crate::report::shape_text(&crate::ops::fft::verify::fft_shape_json(desc)),
        |(desc, cfg)| bench_fft_case(ctx, peaks, *desc, *cfg, quick),
        progress,
        on_result,
        on_error,
    );
    rows.extend(bench_each(
        NAME,
        &nd_cases(quick),
        nd_label,
        |c| bench_nd_case(ctx, peaks, c, quick),
        progress,
        on_result,
        on_error,
    ));
    rows
}

/// The N-D cases: 2-D c2c, r2c, c2r, DCT-II, the two layers (quick: 1024² maps and a 64-map batch
/// of 64×64 feature maps); full adds 4096² and 256³ (128 MiB each, the targets).
pub fn nd_cases(quick: bool) -> Vec<NdCase> {
    use crate::ops::fft::filter::{DctLowpassDesc, FilterDesc};
    use crate::ops::fft::nd::{FftNdDesc as D, NdTransform as T, Norm};
    use crate::ops::fft::r2r::R2rKind;
    let c2c = T::C2c { inverse: false };
    let mut v = vec![
        NdCase::Transform(D::new(&[1024, 1024], &[0, 1], c2c)),
        NdCase::Transform(D::new(&[1024, 1024], &[0, 1], T::R2c)),
        NdCase::Transform(D::new(&[1024, 1024], &[0, 1], T::C2r)),
        NdCase::Transform(D::new(&[1024, 1024], &[0, 1], T::R2r(R2rKind::Dct2)).norm(Norm::Ortho)),
        NdCase::Transform(D::new(&[1024, 1024], &[0, 1], T::R2r(R2rKind::Dct3)).norm(Norm::Ortho)),
        NdCase::Filter(FilterDesc::new(64, 64, 64)),
        NdCase::Lowpass(DctLowpassDesc::new(64, 64, 64, 8)),
    ];
    if !quick {
        v.extend([
            NdCase::Transform(D::new(&[4096, 4096], &[0, 1], c2c)),
            NdCase::Transform(D::new(&[256, 256, 256], &[0, 1, 2], c2c)),
            NdCase::Transform(D::new(&[4096, 4096], &[0, 1], T::R2c)),
            NdCase::Transform(D::new(&[4096, 4096], &[0, 1], T::C2r)),
            NdCase::Transform(
                D::new(&[2048, 2048], &[0, 1], T::R2r(R2rKind::Dct2)).norm(Norm::Ortho),
            ),
            NdCase::Transform(
                D::new(&[2048, 2048], &[0, 1], T::R2r(R2rKind::Dct3)).norm(Norm::Ortho),
            ),
            NdCase::Filter(FilterDesc::new(256, 128, 128)),
            // Token-mixer maps: 14 × 14 and 56 × 56 (the mixed-radix kernel on the chain), 7 × 7
            // (fused), 17 × 17 (the CPU rule's edge: 289 values, fused while 17 took Bluestein),
            // 37 × 37 (a prime radix on the chain since stop 41, Bluestein before), 61 × 61
            // (Rader's algorithm on the chain since stop 42).
            NdCase::Filter(FilterDesc::new(256, 14, 14)),
            NdCase::Filter(FilterDesc::new(256, 7, 7)),
            NdCase::Filter(FilterDesc::new(256, 17, 17)),
            NdCase::Filter(FilterDesc::new(256, 37, 37)),
            NdCase::Filter(FilterDesc::new(256, 61, 61)),
            NdCase::Filter(FilterDesc::new(64, 56, 56)),
            NdCase::Lowpass(DctLowpassDesc::new(256, 128, 128, 16)),
        ]);
    }
    v
}

/// Label of an N-D case.
pub fn nd_label(c: &NdCase) -> String {
    match c {
        NdCase::Transform(d) => format!("{} {:?} axes {:?}", d.transform.name(), d.shape, d.axes),
        NdCase::Filter(d) => format!("global filter {}x{}x{}", d.batch, d.h, d.w),
        NdCase::Lowpass(d) => format!("dct low-pass {}x{}x{} k={}", d.batch, d.h, d.w, d.k),
    }
}

/// Points up to which a bench row is spot-checked against the f64 reference.
const ND_CHECK_POINTS: u64 = 1 << 21;

fn row(
    case: &NdCase,
    variant: &str,
    shape: serde_json::Value,
    peaks: &Peaks,
    timing: &crate::runtime::Timing,
    rel_l2_err: f64,
    note: String,
) -> BenchResult {
    let ms = timing.median_ms;
    let work = nd_work(case);
    let gbps = work.bytes / (ms * 1e-3) / 1e9;
    BenchResult {
        op: NAME.into(),
        variant: variant.into(),
        dtype: DType::F32,
        shape,
        median_ms: ms,
        samples_ms: timing.samples_ms.clone(),
        gflops: Some(work.flops / (ms * 1e-3) / 1e9),
        gbps: Some(gbps),
        pct_of_peak: Some(100.0 * gbps / peaks.copy_gbps),
        work: Some(work),
        config: "per-axis picks".into(),
        config_source: "default".into(),
        rel_l2_err,
        timing: format!("{:?}", timing.source).to_lowercase(),
        note,
        ..Default::default()
    }
}

/// Times `ours` against `other` in alternating rounds: our timing and other's time over ours.
fn time_against(
    ctx: &Context,
    quick: bool,
    ours: &dyn Fn(&mut wgpu::ComputePass<'_>),
    other: &dyn Fn(&mut wgpu::ComputePass<'_>),
) -> Result<(crate::runtime::Timing, f64)> {
    let ts = crate::harness::bench::time_rounds(ctx, quick, &[ours, other], |f, pass| f(pass))?;
    let ratio = ts[1].median_ms / ts[0].median_ms;
    Ok((ts[0].clone(), ratio))
}

/// Benchmarks one N-D case (bytes: the input read once and the output written once).
pub fn bench_nd_case(
    ctx: &Context,
    peaks: &Peaks,
    case: &NdCase,
    quick: bool,
) -> Result<BenchResult> {
    use crate::ops::fft::filter::{DctLowpassPlan, FilterPlan};
    use crate::ops::fft::nd::{FftNdDesc, FftNdPlan, NdTransform};
    use crate::ops::fft::permute::{Copy4, PermutePlan};
    use crate::ops::fft::reference::{dct_lowpass_ref, fftn_ref, filter_ref};
    let f32s = |n: u64, seed| random_data::<f32>(n as usize, seed);
    let tiled = crate::ops::fft::nd::TransposeKernel::default_for(ctx.caps())
        == crate::ops::fft::nd::TransposeKernel::Tiled;
    let read = |b: &wgpu::Buffer, n: u64| -> Result<Vec<f64>> {
        let v: Vec<f32> = pollster::block_on(read_buffer(ctx, b, n as usize))?;
        Ok(v.iter().map(|&x| x as f64).collect())
    };
    match case {
        NdCase::Transform(d) => {
            let picked = crate::tune::pick::<crate::ops::fft::nd_tune::NdTune>(ctx, d);
            let plan = FftNdPlan::with_config(ctx, d.clone(), picked.config)?;
            let (x, xf) = f32s(d.in_len(), 8);
            let a = ctx.upload("nd in", &x)?;
            let b = ctx.storage("nd out", d.out_len() * 4)?;
            let bound = plan.bind(&a, &b)?;
            let (t, note) = if matches!(d.transform, NdTransform::R2c | NdTransform::C2r) {
                // The c2c transform of the same real data (imaginary parts zero; for c2r the
                // inverse of the full spectrum), alternating.
                let inverse = d.transform == NdTransform::C2r;
                let c = FftNdDesc::new(&d.shape, &d.axes, NdTransform::C2c { inverse });
                let cp = FftNdPlan::new(ctx, c.clone())?;
                let ca = ctx.storage("c2c in", c.in_len() * 4)?;
                let cb = ctx.storage("c2c out", c.out_len() * 4)?;
                let cbound = cp.bind(&ca, &cb)?;
                let (t0, ratio) = time_against(ctx, quick, &|pass| bound.record(pass), &|pass| {
                    cbound.record(pass)
                })?;
                (
                    t0,
                    format!("c2c of the same data takes {ratio:.2}x the {} time (alternating rounds); gbps = (read+write)/time, % of copy kernel", d.transform.name()),
                )
            } else if matches!(d.transform, NdTransform::C2c { .. }) {
                // The other way of running the non-last axes (strided passes or transposes),
                // alternating: the "measure both".
                use crate::ops::fft::nd::ColumnPass;
                let mut other = *plan.config();
                other.columns = match other.columns {
                    ColumnPass::Strided => ColumnPass::Transposes,
                    ColumnPass::Transposes | ColumnPass::Lanes => ColumnPass::Strided,
                };
                let op = crate::ops::fft::nd::FftNdPlan::with_config(ctx, d.clone(), other)?;
                let ob = ctx.storage("nd out (other)", d.out_len() * 4)?;
                let obound = op.bind(&a, &ob)?;
                let (t0, ratio) = time_against(ctx, quick, &|pass| bound.record(pass), &|pass| {
                    obound.record(pass)
                })?;
                (
                    t0,
                    format!(
                        "{}; {} takes {ratio:.2}x its time (alternating rounds); gbps = (read+write)/time, % of copy kernel",
                        plan.config().label(),
                        other.label()
                    ),
                )
            } else if d.dct_by_rfftn() {
                // Its inner step alone, alternating: the rfftn of the same reals (DCT-II) or the
                // irfftn to reals of the same shape (DCT-III).
                let inner = match d.transform {
                    NdTransform::R2r(crate::ops::fft::r2r::R2rKind::Dct2) => NdTransform::R2c,
                    _ => NdTransform::C2r,
                };
                let r = FftNdDesc::new(&d.shape, &d.axes, inner);
                let rp = FftNdPlan::new(ctx, r.clone())?;
                let rb = ctx.storage("inner out", r.out_len() * 4)?;
                let rbound = if inner == NdTransform::R2c {
                    rp.bind(&a, &rb)?
                } else {
                    rp.bind(&ctx.upload("half spectrum", &f32s(r.in_len(), 9).0)?, &rb)?
                };
                let (t0, ratio) = time_against(ctx, quick, &|pass| bound.record(pass), &|pass| {
                    rbound.record(pass)
                })?;
                (
                    t0,
                    format!("Makhoul's 2-D route; the {} alone takes {ratio:.2}x its time (alternating rounds); gbps = (read+write)/time, % of copy kernel", inner.name()),
                )
            } else {
                (
                    time_case(ctx, quick, &|pass| bound.record(pass))?,
                    "gbps = (read+write)/time, % of copy kernel".into(),
                )
            };
            let err = if d.points() <= ND_CHECK_POINTS {
                let got = read(&b, d.out_len())?;
                compare(&got, &fftn_ref(d, &xf), d.tolerance()).rel_l2_err
            } else {
                f64::NAN
            };
            let shape = serde_json::json!({ "shape": d.shape, "axes": d.axes });
            let variant = format!("nd_{}", d.transform.name());
            let mut r = row(case, &variant, shape, peaks, &t, err, note);
            r.config = format!("{} (1-D steps: the FFT's picks)", plan.config().label());
            r.config_source = picked.source.name().into();
            Ok(r)
        }
        NdCase::Filter(d) => {
            // The dispatcher's pick (the row's time), the other form (the fused kernel where
            // the map fits and the pick is a chain, else the default chain), and rfftn +
            // product + irfftn, in alternating rounds.
            use crate::ops::fft::filter::FilterConfig;
            let picked = crate::tune::pick::<crate::ops::fft::nd_tune::FilterTune>(ctx, d);
            let default_chain =
                FilterConfig::Chain(crate::ops::fft::nd::NdConfig::default_for(ctx.caps()));
            let other_cfg = match picked.config {
                FilterConfig::Chain(_) if FilterConfig::Fused.fits(d, &ctx.limits()) => {
                    FilterConfig::Fused
                }
                _ => default_chain,
            };
            let pick = FilterPlan::with_config(ctx, *d, picked.config)?;
            let other = FilterPlan::with_config(ctx, *d, other_cfg)?;
            let (x, xf) = f32s(d.len(), 9);
            let (w, wf) = f32s(d.filter_len(), 10);
            let (xa, wa) = (ctx.upload("x", &x)?, ctx.upload("W", &w)?);
            let y = ctx.storage("y", d.len() * 4)?;
            let yo = ctx.storage("y other", d.len() * 4)?;
            let fb = pick.bind(&xa, &wa, &y)?;
            let ob = other.bind(&xa, &wa, &yo)?;
            // The parts: rfftn, the product on the untransposed spectrum, irfftn.
            let shape = [d.batch, d.h, d.w];
            let fwd = FftNdPlan::new(ctx, FftNdDesc::new(&shape, &[1, 2], NdTransform::R2c))?;
            let inv = FftNdPlan::new(ctx, FftNdDesc::new(&shape, &[1, 2], NdTransform::C2r))?;
            let (b, h, wb) = (d.batch as u64, d.h as u64, d.w as u64 / 2 + 1);
            let mut m = Copy4::strided(&[b, h, wb], &[h * wb, wb, 1], &[h * wb, wb, 1], 2);
            m.filter = Some([0, 0, wb, 1]);
            let mul = PermutePlan::new(ctx, DType::F32, &m, tiled)?;
            let s1 = ctx.storage("spectrum", b * h * wb * 8)?;
            let s2 = ctx.storage("filtered", b * h * wb * 8)?;
            let y2 = ctx.storage("y parts", d.len() * 4)?;
            let (p1, p2, p3) = (
                fwd.bind(&xa, &s1)?,
                mul.bind(&s1, &s2, Some(&wa))?,
                inv.bind(&s2, &y2)?,
            );
            type Rec<'a> = &'a dyn Fn(&mut wgpu::ComputePass<'_>);
            let sides: [Rec; 3] = [&|pass| fb.record(pass), &|pass| ob.record(pass), &|pass| {
                p1.record(pass);
                p2.record(pass);
                p3.record(pass);
            }];
            let ts = crate::harness::bench::time_rounds(ctx, quick, &sides, |f, pass| f(pass))?;
            let want = filter_ref(d, &xf, &wf);
            let tol = Tolerance::fft_nd(DType::F32, (h * d.w as u64).pow(2), 0);
            let err = compare(&read(&y, d.len())?, &want, tol).rel_l2_err;
            let err_o = compare(&read(&yo, d.len())?, &want, tol).rel_l2_err;
            let err_p = compare(&read(&y2, d.len())?, &want, tol).rel_l2_err;
            let note = format!(
                "{}; {} takes {:.2}x its time (rel err {err_o:.1e}), the parts (rfftn, \
                 product, irfftn) {:.2}x (rel err {err_p:.1e}), alternating rounds; gbps = \
                 (read x + write y)/time",
                pick.config().label(),
                other_cfg.label(),
                ts[1].median_ms / ts[0].median_ms,
                ts[2].median_ms / ts[0].median_ms,
            );
            let shape = serde_json::json!({ "batch": d.batch, "h": d.h, "w": d.w });
            let mut r = row(case, "global_filter", shape, peaks, &ts[0], err, note);
            r.config = pick.config().label();
            r.config_source = picked.source.name().into();
            Ok(r)
        }
        NdCase::Lowpass(d) => {
            let fused = DctLowpassPlan::new(ctx, *d)?;
            let (x, xf) = f32s(d.len(), 11);
            let xa = ctx.upload("x", &x)?;
            let y = ctx.storage("coefficients", d.out_len() * 4)?;
            let fb = fused.bind(&xa, &y)?;
            let shape = [d.batch, d.h, d.w];
            let full = FftNdPlan::new(
                ctx,
                FftNdDesc::new(
                    &shape,
                    &[1, 2],
                    NdTransform::R2r(crate::ops::fft::r2r::R2rKind::Dct2),
                )
                .norm(crate::ops::fft::nd::Norm::Ortho),
            )?;
            let (b, h, w, k) = (d.batch as u64, d.h as u64, d.w as u64, d.k as u64);
            let corner = PermutePlan::new(
                ctx,
                DType::F32,
                &Copy4::strided(&[b, k, k], &[h * w, w, 1], &[k * k, k, 1], 1),
                tiled,
            )?;
            let s = ctx.storage("full dct", d.len() * 4)?;
            let y2 = ctx.storage("coefficients (parts)", d.out_len() * 4)?;
            let (p1, p2) = (full.bind(&xa, &s)?, corner.bind(&s, &y2, None)?);
            let (t0, ratio) = time_against(ctx, quick, &|pass| fb.record(pass), &|pass| {
                p1.record(pass);
                p2.record(pass);
            })?;
            let want = dct_lowpass_ref(d, &xf);
            let tol = d.tolerance();
            let err = compare(&read(&y, d.out_len())?, &want, tol).rel_l2_err;
            let note = format!(
                "full dctn + corner copy takes {:.2}x the fused chain (alternating rounds); gbps = (read x + write coefficients)/time",
                ratio
            );
            let shape = serde_json::json!({ "batch": d.batch, "h": d.h, "w": d.w, "k": d.k });
            let t = &t0;
            Ok(row(case, "dct_lowpass", shape, peaks, t, err, note))
        }
    }
}
