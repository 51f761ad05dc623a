//! FFT cases of the vendor report: batched c2c f32 over ~64 MiB per batch at N ∈ {256, 1K, 4K,
//! 64K, 1M} (Stockham and Monarch) and the Bluestein length 1000; bytes = read + write of the
//! buffer per forward transform (the VkFFT convention), reported as GB/s and as a share of the measured copy-kernel bandwidth.

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
    for log in [8u32, 10, 12, 16, 20] {
        let n = 1u32 << log;
        let batch = (BATCH_BYTES / 8 / n as u64).max(1) as u32;
        v.push((FftDesc::new(n).batch(batch), None));
    }
    // Both algorithms per size: the Monarch (matrix) FFT's best untuned configuration beside
    // the dispatcher's pick (quick mode: only at 4096, since Monarch is the slow one on CPU
    // adapters and its 2^20 case alone took ~5 s of the quick report).
    let pow2: Vec<FftDesc> = v.iter().map(|c| c.0).collect();
    for d in pow2.into_iter().filter(|d| !quick || d.n == 4096) {
        if let Some(c) =
            crate::ops::fft::monarch_config::monarch_default(ctx.caps(), &ctx.limits(), &d)
        {
            v.push((d, Some(c)));
        }
    }
    // A Bluestein length (inner FFT of 2048 points), ~64 MiB per batch like the others.
    v.push((FftDesc::new(1000).batch(8192), None));
    if !quick {
        v.push((FftDesc::new(1 << 22).batch(2), None));
        v.push((FftDesc::new(44100).batch(16), None));
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
        variant: if desc.is_pow2() {
            cfg.variant().name().into()
        } else {
            "bluestein".into()
        },
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

/// The roofline work of an FFT (`report::roofline`): the conventional 5·N·log2(N) FLOP per
/// complex transform of N points (whatever the algorithm: a Bluestein length counts as its
/// own N), times the batch; the input read once and the output written once.
pub fn fft_work(desc: &FftDesc) -> crate::report::Work {
    let n = desc.n as f64;
    crate::report::Work {
        flops: 5.0 * n * n.log2() * desc.batch as f64,
        bytes: 2.0 * desc.bytes() as f64,
        f16_math: false,
    }
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
    bench_each(
        NAME,
        &cases,
        |(desc, _)| crate::report::shape_text(&crate::ops::fft::verify::fft_shape_json(desc)),
        |(desc, cfg)| bench_fft_case(ctx, peaks, *desc, *cfg, quick),
        progress,
        on_result,
        on_error,
    )
}
