//! FFT on the page: the spectrum of a two-tone signal computed on the GPU (any length: powers
//! of two run the Stockham passes, other lengths Bluestein's algorithm) against rustfft in f64;
//! a 2-D image's r2c spectrum and its DCT low-pass (the lowest k × k orthonormal DCT-II
//! coefficients, and the image they rebuild through the DCT-III), each against its f64
//! reference; and timings per transform length.

use super::{heat, lines, timed_bar, verdict, DemoOp, Pick, Ran, Rate, Recorder};
use crate::controls::{Control, Params};
use crate::figure::{decimate, Bar, Figure, Palette};
use futures::future::LocalBoxFuture;
use wgkernels::harness::tolerance::compare;
use wgkernels::harness::tolerance::Tolerance;
use wgkernels::ops::fft::config::fft_candidates;
use wgkernels::ops::fft::reference::{dct_lowpass_ref, fft_ref, fftn_ref};
use wgkernels::ops::fft::tune::fft_pick;
use wgkernels::ops::fft::verify::fft_shape_json;
use wgkernels::ops::fft::work::fft_work;
use wgkernels::report::BenchResult;
use wgkernels::{
    Context, DType, DctLowpassDesc, DctLowpassPlan, FftDesc, FftNdDesc, FftNdPlan, FftPlan,
    NdTransform, Norm, R2rKind,
};

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

/// A `side` × `side` test image: a bright disc, a dimmer bar and fine vertical stripes (row-major).
fn test_image(side: usize) -> Vec<f32> {
    let c = side as f64 / 2.0;
    let mut img = vec![0f32; side * side];
    for y in 0..side {
        for x in 0..side {
            let (fx, fy) = (x as f64, y as f64);
            let disc = ((fx - 0.6 * c).hypot(fy - 0.7 * c) < 0.35 * c) as u8 as f64;
            let bar = (fx > 1.1 * c && fx < 1.6 * c && fy > 0.3 * c && fy < 1.7 * c) as u8 as f64;
            let stripes = 0.25 * (std::f64::consts::TAU * 6.0 * fx / side as f64).sin();
            img[y * side + x] = (disc + 0.5 * bar + stripes) as f32;
        }
    }
    img
}

/// The 2-D figures: the image, log |rfft2| (the r2c N-D transform), and the image rebuilt from
/// its lowest `k` × `k` DCT-II coefficients (the DCT low-pass, then an orthonormal DCT-III of the
/// zero-padded coefficients), each GPU result against its f64 reference.
async fn see_2d(ctx: &Context, side: u32, k: u32) -> Result<Vec<Figure>, String> {
    let n = side as usize;
    let img = test_image(n);
    let imgf: Vec<f64> = img.iter().map(|&v| v as f64).collect();
    let r2c = FftNdDesc::new(&[side, side], &[0, 1], NdTransform::R2c);
    let low = DctLowpassDesc::new(1, side, side, k);
    let idct =
        FftNdDesc::new(&[side, side], &[0, 1], NdTransform::R2r(R2rKind::Dct3)).norm(Norm::Ortho);
    let (spec, coef, rebuilt, padded, label) = ctx
        .capture_errors(async {
            let plan = FftNdPlan::new(ctx, r2c.clone())?;
            let spec = plan.run_host(&img).await?;
            let coef = DctLowpassPlan::new(ctx, low)?.run_host(&img).await?;
            let mut padded = vec![0f32; n * n];
            for r in 0..k as usize {
                for c in 0..k as usize {
                    padded[r * n + c] = coef[r * k as usize + c];
                }
            }
            let rebuilt = FftNdPlan::new(ctx, idct.clone())?.run_host(&padded).await?;
            Ok((spec, coef, rebuilt, padded, plan.config().label()))
        })
        .await
        .map_err(|e| e.to_string())?;
    let f64s = |v: &[f32]| v.iter().map(|&x| x as f64).collect::<Vec<f64>>();
    let nd_tol = |d: &FftNdDesc, r2r| Tolerance::fft_nd(DType::F32, d.points(), r2r);
    let spec_cmp = compare(&f64s(&spec), &fftn_ref(&r2c, &imgf), nd_tol(&r2c, 0));
    let coef_cmp = compare(
        &f64s(&coef),
        &dct_lowpass_ref(&low, &imgf),
        nd_tol(&idct, 2),
    );
    let rebuilt_cmp = compare(
        &f64s(&rebuilt),
        &fftn_ref(&idct, &f64s(&padded)),
        nd_tol(&idct, 2),
    );
    let half = n / 2 + 1;
    // Rows shifted so that frequency 0 sits in the middle; log scale.
    let mut logmag = vec![0f32; n * half];
    for r in 0..n {
        let src = (r + n / 2) % n;
        for c in 0..half {
            let z = &spec[2 * (src * half + c)..2 * (src * half + c) + 2];
            logmag[r * half + c] = (1.0 + (z[0] as f64).hypot(z[1] as f64)).log10() as f32;
        }
    }
    let loss: f64 = imgf
        .iter()
        .zip(&rebuilt)
        .map(|(a, &b)| (a - b as f64).powi(2))
        .sum::<f64>()
        .sqrt()
        / imgf.iter().map(|a| a * a).sum::<f64>().sqrt();
    Ok(vec![
        heat(
            format!("Image {side}×{side}"),
            n,
            n,
            img,
            Palette::Diverging,
            "row",
            "column",
            "a disc, a bar and fine stripes".into(),
        ),
        heat(
            "log10(1 + |rfft2(image)|)",
            n,
            half,
            logmag,
            Palette::Magnitude,
            "row frequency (0 in the middle)",
            "column frequency 0 … n/2",
            format!(
                "r2c over both axes (`FftNdPlan`, `{label}`): {}",
                verdict(&spec_cmp)
            ),
        ),
        heat(
            format!("Rebuilt from the lowest {k}×{k} DCT-II coefficients"),
            n,
            n,
            rebuilt,
            Palette::Diverging,
            "row",
            "column",
            format!(
                "`DctLowpassPlan` then DCT-III (ortho): coefficients {}; image {}; {:.0} % of the image's energy lost",
                verdict(&coef_cmp),
                verdict(&rebuilt_cmp),
                100.0 * loss * loss
            ),
        ),
    ])
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
            Control::int(
                "side",
                "image side",
                "64",
                4,
                256,
                "rows and columns of the 2-D image (any size: other lengths run Bluestein)",
            ),
            Control::int(
                "keep",
                "DCT k",
                "8",
                1,
                256,
                "lowest k × k DCT-II coefficients kept (at most the image side)",
            ),
        ]
    }

    fn cross_check(&self, section: &str, p: &Params) -> Result<(), (&'static str, String)> {
        if section == "see" {
            if p.int("keep") > p.int("side") {
                return Err((
                    "keep",
                    format!("must be at most the image side {}", p.int("side")),
                ));
            }
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
            let mut figures = vec![
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
                    format!("{path}, `{label}`; {}", verdict(&cmp)),
                ),
            ];
            figures.extend(see_2d(ctx, p.int("side"), p.int("keep")).await?);
            Ok(figures)
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
