//! FFT on the page: the spectrum of a two-tone signal computed on the GPU (any length: powers
//! of two run the Stockham passes, other lengths Bluestein's algorithm) against rustfft in f64,
//! and timings per transform length.

use super::{lines, timed_bar, DemoOp, Pick, Ran, Rate, Recorder};
use crate::controls::{Control, Params};
use crate::figure::{decimate, Bar, Figure};
use futures::future::LocalBoxFuture;
use wgkernels::harness::tolerance::compare;
use wgkernels::harness::tolerance::Tolerance;
use wgkernels::ops::fft::config::fft_candidates;
use wgkernels::ops::fft::reference::fft_ref;
use wgkernels::ops::fft::tune::fft_pick;
use wgkernels::ops::fft::verify::fft_shape_json;
use wgkernels::ops::fft::work::fft_work;
use wgkernels::report::BenchResult;
use wgkernels::{Context, DType, FftDesc, FftPlan};

/// The FFT entry of the demo registry.
pub struct Fft;

/// `n` complex points: two tones at bins `f1`, `f2` plus a little deterministic noise.
fn two_tones(n: usize, f1: f64, f2: f64) -> Vec<f32> {
    let tau = std::f64::consts::TAU;
    let mut seed = 0x9e3779b97f4a7c15u64;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    (0..n)
        .flat_map(|t| {
            let x = t as f64 / n as f64;
            let re = (tau * f1 * x).sin() + 0.5 * (tau * f2 * x).cos() + 0.2 * noise();
            [re as f32, 0.0]
        })
        .collect()
}

impl DemoOp for Fft {
    fn name(&self) -> &'static str {
        wgkernels::ops::fft::NAME
    }

    fn title(&self) -> &'static str {
        "FFT — X = F·x (complex, any length)"
    }

    fn picks(&self, ctx: &Context) -> Vec<Pick> {
        let limits = ctx.limits();
        [4096u32, 1 << 20, 1000]
            .into_iter()
            .map(|n| {
                let desc = FftDesc::new(n);
                let cfg = fft_pick(ctx, &desc);
                let path = if !desc.is_pow2() {
                    format!("Bluestein over {}-point transforms", desc.inner_len())
                } else if n <= cfg.fused_max() {
                    "one fused dispatch".to_string()
                } else {
                    "multi-pass Stockham".to_string()
                };
                Pick {
                    case: format!("f32 complex, n = {n}"),
                    config: cfg.label(),
                    note: format!(
                        "{path}; fused up to {} points = {} B workgroup memory (limit {}), {} invocations; {} candidates",
                        cfg.fused_max(),
                        cfg.workgroup_bytes(),
                        limits.max_compute_workgroup_storage_size,
                        cfg.invocations(),
                        fft_candidates(ctx.caps(), &limits, &desc).len()
                    ),
                }
            })
            .collect()
    }

    fn see_controls(&self) -> Vec<Control> {
        vec![
            Control::int(
                "n",
                "length n",
                "1000",
                2,
                65536,
                "points of the transform; not a power of two = Bluestein",
            ),
            Control::int(
                "f1",
                "tone 1 (bin)",
                "37",
                0,
                32768,
                "frequency of the sine, in bins (cycles per n points)",
            ),
            Control::int(
                "f2",
                "tone 2 (bin)",
                "120",
                0,
                32768,
                "frequency of the half-amplitude cosine, in bins",
            ),
        ]
    }

    fn cross_check(&self, section: &str, p: &Params) -> Result<(), (&'static str, String)> {
        if section == "see" {
            let half = p.int("n") / 2;
            for id in ["f1", "f2"] {
                if p.int(id) > half {
                    return Err((
                        id,
                        format!("must be at most n/2 = {half} (higher bins alias)"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn see<'a>(
        &'a self,
        ctx: &'a Context,
        p: &'a Params,
    ) -> LocalBoxFuture<'a, Result<Vec<Figure>, String>> {
        Box::pin(async move {
            let n = p.int("n");
            let desc = FftDesc::new(n);
            let x = two_tones(n as usize, p.int("f1") as f64, p.int("f2") as f64);
            let (got, label) = ctx
                .capture_errors(async {
                    let plan = FftPlan::new(ctx, desc, None)?;
                    let got = plan.run_host(&x).await?;
                    Ok((got, plan.config().label()))
                })
                .await
                .map_err(|e| e.to_string())?;
            let xf: Vec<f64> = x.iter().map(|&v| v as f64).collect();
            let want = fft_ref(n as usize, 1, false, &xf);
            let got: Vec<f64> = got.iter().map(|&v| v as f64).collect();
            let cmp = compare(&got, &want, Tolerance::fft(DType::F32, n as u64));
            let mag = |v: &[f64]| -> Vec<f64> {
                v.chunks(2)
                    .take(n as usize / 2 + 1)
                    .map(|z| z[0].hypot(z[1]))
                    .collect()
            };
            let re: Vec<f64> = xf.iter().step_by(2).copied().collect();
            let path = if desc.is_pow2() {
                "Stockham".to_string()
            } else {
                format!("Bluestein ({}-point inner FFTs)", desc.inner_len())
            };
            Ok(vec![
                lines(
                    "Signal x (real part)",
                    vec![("x", decimate(&re, 512), false)],
                    "sample t",
                    format!(
                        "{n} samples: a sine at bin {}, a cosine at bin {}, noise",
                        p.int("f1"),
                        p.int("f2")
                    ),
                ),
                lines(
                    "|X_k| on the GPU and in f64 on the CPU",
                    vec![
                        ("GPU", decimate(&mag(&got), 512), false),
                        ("rustfft (f64)", decimate(&mag(&want), 512), true),
                    ],
                    "frequency bin k (0 … n/2)",
                    format!(
                        "{path}, `{label}`; rel L2 err {:.2e} {} tolerance {:.2e}",
                        cmp.rel_l2_err,
                        if cmp.pass { "within" } else { "OVER" },
                        cmp.tolerance
                    ),
                ),
            ])
        })
    }

    fn measure_controls(&self) -> Vec<Control> {
        vec![
            Control::int_list(
                "sizes",
                "lengths n",
                "1024, 16384, 1000",
                (2, 1 << 22, 6),
                "one run per length; batches fill at least 2^16 points per run",
            ),
            Control::iters("3"),
        ]
    }

    fn measure<'a>(
        &'a self,
        ctx: &'a Context,
        p: &'a Params,
    ) -> LocalBoxFuture<'a, Result<Vec<Bar>, String>> {
        Box::pin(async move {
            let mut bars = Vec::new();
            for n in p.int_list("sizes") {
                let batch = ((1u32 << 16) / n).max(1);
                let desc = FftDesc::new(n).batch(batch);
                let row = BenchResult {
                    op: wgkernels::ops::fft::NAME.into(),
                    dtype: desc.dtype,
                    shape: fft_shape_json(&desc),
                    work: Some(fft_work(&desc)),
                    ..Default::default()
                };
                let bar = timed_bar(
                    ctx,
                    row,
                    format!("n={n} ×{batch}"),
                    Rate::Flops,
                    p.int("iters") as usize,
                    || {
                        let plan = FftPlan::new(ctx, desc, None)?;
                        let x = ctx
                            .upload("x", &two_tones(n as usize, 3.0, 7.0).repeat(batch as usize))?;
                        let y = ctx.storage("X", desc.bytes())?;
                        let bound = plan.bind(&x, &y)?;
                        let ran = Ran {
                            // As the native bench names them: a length that is not a power
                            // of two runs Bluestein's algorithm whatever the inner variant.
                            variant: if desc.is_pow2() {
                                plan.config().variant().name().into()
                            } else {
                                "bluestein".into()
                            },
                            config: plan.config().label(),
                            f16_math: false,
                        };
                        let rec: Recorder = Box::new(move |pass| {
                            let _keep = (&x, &y);
                            bound.record(pass)
                        });
                        Ok((rec, ran))
                    },
                )
                .await;
                bars.push(bar);
            }
            Ok(bars)
        })
    }
}
