//! FFT convolution on the page: a noisy pulse train filtered by a long kernel on the GPU (the
//! input, the kernel and the output as plots, the output over the direct f64 sum), and
//! timings of long convolutions (kernel as long as the sequence, as in Hyena-style layers).

use super::{lines, timed_bar, verdict, DemoOp, Pick, Ran, Rate, Recorder};
use crate::controls::{Control, Params};
use crate::figure::{decimate, Bar, Figure};
use futures::future::LocalBoxFuture;
use wgkernels::harness::tolerance::compare;
use wgkernels::harness::tolerance::Tolerance;
use wgkernels::ops::fft::reference::fftconv_direct_ref;
use wgkernels::ops::fftconv::tune::fftconv_pick;
use wgkernels::ops::fftconv::verify::fftconv_shape_json;
use wgkernels::ops::fftconv::work::fftconv_work;
use wgkernels::report::BenchResult;
use wgkernels::{Context, DType, FftConvDesc, FftConvPlan};

/// The FFT-convolution entry of the demo registry.
pub struct FftConv;

/// A square pulse train with a slow sine and deterministic noise of amplitude `noise`.
fn pulses(l: usize, noise: f64) -> Vec<f32> {
    let mut seed = 0x2545f4914f6cdd1du64;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let period = (l / 6).max(2);
    (0..l)
        .map(|t| {
            let square = if (t % period) < period / 3 { 1.0 } else { 0.0 };
            let slow = 0.3 * (std::f64::consts::TAU * t as f64 / l as f64).sin();
            (square + slow + 2.0 * noise * rnd()) as f32
        })
        .collect()
}

/// The kernel called `kind`, `lk` taps, summing to 1 where it is a smoother.
fn kernel(kind: &str, lk: usize) -> Vec<f32> {
    let k: Vec<f64> = match kind {
        "gaussian" => {
            let (c, s) = ((lk as f64 - 1.0) / 2.0, (lk as f64 / 6.0).max(0.5));
            (0..lk)
                .map(|t| (-((t as f64 - c) / s).powi(2) / 2.0).exp())
                .collect()
        }
        "echo" => (0..lk)
            .map(|t| match t {
                0 => 1.0,
                t if t == lk / 2 => 0.6,
                t if t + 1 == lk && lk > 2 => 0.3,
                _ => 0.0,
            })
            .collect(),
        // "decay": an exponential with a time constant of a quarter of the kernel.
        _ => (0..lk)
            .map(|t| (-(t as f64) / (lk as f64 / 4.0).max(0.5)).exp())
            .collect(),
    };
    let sum: f64 = if kind == "echo" { 1.0 } else { k.iter().sum() };
    k.iter().map(|v| (v / sum) as f32).collect()
}

impl DemoOp for FftConv {
    fn name(&self) -> &'static str {
        wgkernels::ops::fftconv::NAME
    }

    fn title(&self) -> &'static str {
        "FFT convolution — y = u ∗ k (long kernels)"
    }

    fn picks(&self, ctx: &Context) -> Vec<Pick> {
        // The geometry only: building plans here would make the browser compile their
        // pipelines while the page loads (a minute per fused pipeline on a software adapter).
        [
            (1u32, 16u32, 1024u32, 1024u32),
            (1, 16, 8192, 8192),
            (1, 4, 65536, 256),
        ]
        .into_iter()
        .map(|(b, h, l, lk)| {
            let desc = FftConvDesc::new(b, h, l, lk);
            let cfg = fftconv_pick(ctx, &desc);
            let case = format!("f32 B={b} H={h} L={l} Lk={lk}");
            match desc.geometry(&cfg) {
                Ok(g) => Pick {
                    case,
                    config: format!("{} n{} seg{}", g.path.name(), g.n_fft, g.segments),
                    note: format!(
                        "FFT geometry `{}` (fused up to {} points)",
                        cfg.label(),
                        cfg.fused_max()
                    ),
                },
                Err(e) => Pick {
                    case,
                    config: String::new(),
                    note: format!("cannot run: {e}"),
                },
            }
        })
        .collect()
    }

    fn see_controls(&self) -> Vec<Control> {
        vec![
            Control::int(
                "l",
                "sequence L",
                "1024",
                1,
                16384,
                "samples of the input u (and of the output y)",
            ),
            Control::int(
                "lk",
                "kernel Lk",
                "96",
                1,
                16384,
                "taps of the kernel k; at most L",
            ),
            Control::choice(
                "kernel",
                "kernel",
                "decay",
                vec!["decay", "gaussian", "echo"],
                "decay = exponential smoother, gaussian = bump, echo = three taps (0, Lk/2, Lk−1)",
            ),
            Control::float(
                "noise",
                "noise",
                "0.3",
                0.0,
                2.0,
                "amplitude of the noise added to the pulse train",
            ),
            Control::choice(
                "mode",
                "boundary",
                "causal",
                vec!["causal", "circular"],
                "causal: zeros before t = 0; circular: u wraps around",
            ),
        ]
    }

    fn cross_check(&self, section: &str, p: &Params) -> Result<(), (&'static str, String)> {
        if section == "see" && p.int("lk") > p.int("l") {
            return Err(("lk", format!("must be at most L = {}", p.int("l"))));
        }
        Ok(())
    }

    fn see<'a>(
        &'a self,
        ctx: &'a Context,
        p: &'a Params,
    ) -> LocalBoxFuture<'a, Result<Vec<Figure>, String>> {
        Box::pin(async move {
            let (l, lk) = (p.int("l"), p.int("lk"));
            let circular = p.word("mode") == "circular";
            let desc = FftConvDesc::new(1, 1, l, lk).circular(circular);
            let u = pulses(l as usize, p.float("noise"));
            let k = kernel(p.word("kernel"), lk as usize);
            let (got, label, n_fft) = ctx
                .capture_errors(async {
                    let plan = FftConvPlan::new(ctx, desc, None)?;
                    let got = plan.run_host(&u, &k, None, None).await?;
                    let label = format!(
                        "{} n{} seg{}",
                        plan.path().name(),
                        plan.n_fft(),
                        plan.segments()
                    );
                    Ok((got, label, plan.n_fft()))
                })
                .await
                .map_err(|e| e.to_string())?;
            let uf: Vec<f64> = u.iter().map(|&v| v as f64).collect();
            let kf: Vec<f64> = k.iter().map(|&v| v as f64).collect();
            let want = fftconv_direct_ref(
                1,
                1,
                l as usize,
                lk as usize,
                circular,
                &uf,
                &kf,
                None,
                None,
            );
            let got: Vec<f64> = got.iter().map(|&v| v as f64).collect();
            let cmp = compare(&got, &want, Tolerance::fftconv(DType::F32, n_fft as u64));
            Ok(vec![
                lines(
                    "Input u",
                    vec![("u", decimate(&uf, 600), false)],
                    "sample t",
                    format!(
                        "{l} samples: pulse train + slow sine + noise {}",
                        p.float("noise")
                    ),
                ),
                lines(
                    "Kernel k",
                    vec![("k", decimate(&kf, 600), false)],
                    "tap s",
                    format!("{} kernel, {lk} taps", p.word("kernel")),
                ),
                lines(
                    "Output y = u ∗ k",
                    vec![
                        ("GPU (FFT convolution)", decimate(&got, 600), false),
                        ("direct sum (f64, CPU)", decimate(&want, 600), true),
                    ],
                    "sample t",
                    format!(
                        "{} `{label}`; {}",
                        if circular { "circular" } else { "causal" },
                        verdict(&cmp)
                    ),
                ),
            ])
        })
    }

    fn measure_controls(&self) -> Vec<Control> {
        vec![
            Control::int_list(
                "sizes",
                "lengths L (= Lk)",
                "1024, 4096, 16384",
                (2, 1 << 20, 6),
                "one run per length, kernel as long as the sequence",
            ),
            Control::int(
                "channels",
                "channels H",
                "4",
                1,
                256,
                "independent channels, one kernel each (batch 1)",
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
            let h = p.int("channels");
            let mut bars = Vec::new();
            for l in p.int_list("sizes") {
                let desc = FftConvDesc::new(1, h, l, l);
                let row = BenchResult {
                    op: wgkernels::ops::fftconv::NAME.into(),
                    dtype: desc.dtype,
                    shape: fftconv_shape_json(&desc),
                    work: Some(fftconv_work(&desc)),
                    ..Default::default()
                };
                let bar = timed_bar(
                    ctx,
                    row,
                    format!("L={l} H={h}"),
                    Rate::Bytes,
                    p.int("iters") as usize,
                    || {
                        let plan = FftConvPlan::new(ctx, desc, None)?;
                        let ks =
                            plan.prepare_kernel(&kernel("decay", l as usize).repeat(h as usize))?;
                        let u = ctx.upload("u", &pulses(l as usize, 0.1).repeat(h as usize))?;
                        let y = ctx.storage("y", desc.len() * 4)?;
                        let bound = plan.bind(&u, &ks, &y, None, None)?;
                        let label = format!(
                            "{} n{} seg{}",
                            plan.path().name(),
                            plan.n_fft(),
                            plan.segments()
                        );
                        let ran = Ran {
                            variant: plan.path().name().into(),
                            config: label,
                            f16_math: false,
                        };
                        let rec: Recorder = Box::new(move |pass| {
                            let _keep = (&u, &y, &ks);
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
