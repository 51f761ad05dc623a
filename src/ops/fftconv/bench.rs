//! FFT-convolution cases of the vendor report: B·H = 256 (B = 4, H = 64) at L ∈ {1K, 4K, 16K},
//! Lk = L, the dispatcher's path (fused at 1K, multi-pass above the fused limit) against the
//! unfused pad/rfft/multiply/irfft/crop pipeline in the same run, and the frequency-sparse path
//! with 75% of the classes dropped against the dense one at L = 16K; an odd L = 1001 on its
//! own. GB/s counts u read + y written.

use super::work::fftconv_work;
use crate::dtype::DType;
use crate::error::Result;
use crate::harness::bench::{config_for, iters, prebuild};
use crate::harness::tolerance::compare;
use crate::harness::tolerance::Tolerance;
use crate::harness::verify::random_data;
use crate::ops::fft::reference::fftconv_fft_ref;
use crate::ops::fftconv::verify::fftconv_shape_json;
use crate::ops::fftconv::{FftConvDesc, FftConvPath, FftConvPlan};
use crate::probe::Peaks;
use crate::report::BenchResult;
use crate::runtime::{read_buffer, time_gpu, Context};

/// The convolution cases, in pairs whose ratio the report notes: (case, baseline index).
pub fn fftconv_cases(quick: bool) -> Vec<(FftConvDesc, Option<usize>)> {
    let mut v: Vec<(FftConvDesc, Option<usize>)> = Vec::new();
    // Quick mode: the two ends (fused, multi-pass); each distinct length adds seconds of
    // pipeline compilation on CPU adapters.
    let ls: &[u32] = if quick {
        &[1024, 16384]
    } else {
        &[1024, 2048, 4096, 16384]
    };
    for &l in ls {
        let base = v.len();
        v.push((
            FftConvDesc::new(4, 64, l, l).path(Some(FftConvPath::Unfused)),
            None,
        ));
        v.push((FftConvDesc::new(4, 64, l, l), Some(base)));
        if l == 16384 {
            // The dense baseline of the frequency-sparse case is the multi-pass path. At 16K
            // (N = 32K, over every fused limit) that is the dispatcher's pick just timed, so the
            // quick report reuses it instead of timing the same plan twice.
            let dense = if quick {
                base + 1
            } else {
                v.push((
                    FftConvDesc::new(4, 64, l, l).path(Some(FftConvPath::MultiPass)),
                    None,
                ));
                v.len() - 1
            };
            v.push((
                FftConvDesc::new(4, 64, l, l).freq_keep(Some(0.25)),
                Some(dense),
            ));
        }
    }
    // An odd length (fused, N = 2048), reported on its own.
    v.push((FftConvDesc::new(4, 64, 1001, 1001), None));
    if !quick {
        v.push((FftConvDesc::new(4, 64, 1 << 16, 64), None));
        v.push((
            FftConvDesc::new(4, 64, 1024, 1024)
                .gates(true, true)
                .dtype(DType::F16),
            None,
        ));
    }
    v
}

/// Benchmarks one case; row 0 is spot-checked against the f64 FFT convolution.
pub fn bench_fftconv_case(
    ctx: &Context,
    peaks: &Peaks,
    desc: FftConvDesc,
    quick: bool,
) -> Result<BenchResult> {
    let picked = crate::ops::fftconv::tune::fftconv_pick_with_source(ctx, &desc);
    let plan = FftConvPlan::new(ctx, desc, Some(picked.config))?;
    let n = desc.len() as usize;
    let (u, uf) = random_data::<f32>(n, 3);
    let (k, kf) = random_data::<f32>(desc.k_len() as usize, 4);
    let ks = plan.prepare_kernel(&k)?;
    let (ub, yb) = match desc.dtype {
        DType::F32 => (ctx.upload("u", &u)?, ctx.storage("y", 4 * n as u64)?),
        DType::F16 => {
            let h: Vec<half::f16> = u.iter().map(|&v| half::f16::from_f32(v)).collect();
            (ctx.upload("u", &h)?, ctx.storage("y", 2 * n as u64)?)
        }
    };
    let ones =
        |bytes: u64| -> Result<Option<wgpu::Buffer>> { Ok(Some(ctx.storage("gate", bytes)?)) };
    let es = desc.dtype.size();
    let pre = if desc.pre_gate {
        ones(n as u64 * es)?
    } else {
        None
    };
    let post = if desc.post_gate {
        ones(n as u64 * es)?
    } else {
        None
    };
    let bound = plan.bind(&ub, &ks, &yb, pre.as_ref(), post.as_ref())?;
    let t = time_gpu(ctx, 1, iters(quick), &|pass| bound.record(pass))?;
    // Spot check: the first row (h = 0, b = 0), gates off only.
    let l = desc.l as usize;
    let mut rel = f64::NAN;
    let mut pass = true;
    if !desc.pre_gate && !desc.post_gate && desc.dtype == DType::F32 {
        let got: Vec<f32> = pollster::block_on(read_buffer(ctx, &yb, l))?;
        let got: Vec<f64> = got.iter().map(|&v| v as f64).collect();
        let sparse = plan.freq_blocks().map(|(c, d)| (c as usize, d as usize));
        let nf = if sparse.is_some() {
            plan.n_fft() as usize
        } else {
            (l + desc.lk as usize - 1).next_power_of_two()
        };
        let want = fftconv_fft_ref(
            1,
            1,
            l,
            desc.lk as usize,
            desc.circular,
            &uf[..l],
            &kf[..desc.lk as usize],
            None,
            None,
            nf,
            sparse,
        );
        let c = compare(
            &got,
            &want,
            Tolerance::fftconv(DType::F32, plan.n_fft() as u64),
        );
        rel = c.rel_l2_err;
        pass = c.pass;
    }
    let secs = t.median_ms * 1e-3;
    let gbps = 2.0 * (n as u64 * es) as f64 / secs / 1e9;
    let nf = plan.n_fft() as f64;
    let flops = 2.0 * 5.0 * nf * nf.log2() * desc.pairs() as f64 * plan.segments() as f64;
    Ok(BenchResult {
        op: "fftconv".into(),
        variant: if desc.freq_keep.is_some() {
            format!("{} sparse", plan.path().name())
        } else {
            plan.path().name().into()
        },
        dtype: desc.dtype,
        shape: fftconv_shape_json(&desc),
        median_ms: t.median_ms,
        samples_ms: t.samples_ms.clone(),
        work: Some(fftconv_work(&desc)),
        gflops: Some(flops / secs / 1e9),
        gbps: Some(gbps),
        pct_of_peak: Some(100.0 * gbps / peaks.copy_gbps),
        config: format!(
            "{} n_fft {} seg {} ({} dispatches)",
            picked.config.label(),
            plan.n_fft(),
            plan.segments(),
            plan.dispatches()
        ),
        rel_l2_err: rel,
        timing: format!("{:?}", t.source).to_lowercase(),
        // A forced path (the unfused baseline, the dense multi-pass next to the sparse one) is
        // the caller's choice: its row is matched by path, not as the dispatcher's pick.
        config_source: if desc.path.is_some() {
            crate::tune::ConfigSource::Explicit.name().into()
        } else {
            picked.source.name().into()
        },
        note: if pass {
            String::new()
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
    let mut out = Vec::new();
    // Announces the rows a case added since `from`.
    let mut emit =
        |out: &Vec<BenchResult>, from: usize| out[from..].iter().for_each(&mut *on_result);
    let cases = fftconv_cases(quick);
    prebuild(ctx, &cases, |(d, _)| {
        let cfg = config_for::<crate::ops::fftconv::tune::FftConvTune>(ctx, d, None);
        let _ = crate::FftConvPlan::new(ctx, *d, Some(cfg));
    });
    let mut done: Vec<Option<f64>> = Vec::new();
    for (i, (desc, base)) in cases.iter().enumerate() {
        progress(
            i,
            cases.len(),
            &crate::report::shape_text(&crate::ops::fftconv::verify::fftconv_shape_json(desc)),
        );
        match bench_fftconv_case(ctx, peaks, *desc, quick) {
            Ok(mut r) => {
                if let Some(b) = base.and_then(|b| done.get(b).copied().flatten()) {
                    let what = if desc.freq_keep.is_some() {
                        "dense multipass"
                    } else {
                        "unfused pipeline"
                    };
                    let ratio =
                        format!("{:.2}x faster than the {what} (same run)", b / r.median_ms);
                    r.note = if r.note.is_empty() {
                        ratio
                    } else {
                        format!("{}; {ratio}", r.note)
                    };
                }
                done.push(Some(r.median_ms));
                out.push(r);
                emit(&out, out.len() - 1);
            }
            Err(e) => {
                done.push(None);
                on_error(format!("fftconv {desc:?}: {e}"));
            }
        }
    }
    out
}
