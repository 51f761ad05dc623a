//! GEMM on the page: the dispatcher's picks, a product of smooth inputs with its error against
//! the f64 reference, and timings of square products.

use super::{timed_bar, verdict, DemoOp, Pick, Ran, Rate, Recorder};
use crate::controls::{Control, Params};
use crate::figure::{decimate, Bar, Figure, Palette, Series};
use futures::future::LocalBoxFuture;
use wgkernels::harness::tolerance::compare;
use wgkernels::harness::tolerance::Tolerance;
use wgkernels::ops::gemm::config::{gemm_candidates, GemmVariant};
use wgkernels::ops::gemm::reference::gemm_ref;
use wgkernels::ops::gemm::tune::gemm_pick;
use wgkernels::ops::gemm::verify::gemm_shape_json;
use wgkernels::ops::gemm::work::gemm_work;
use wgkernels::report::BenchResult;
use wgkernels::{Context, DType, GemmConfig, GemmDesc, GemmPlan};

/// The GEMM entry of the demo registry.
pub struct Gemm;

/// The configurations the See section can force (`None` = the dispatcher's pick). Forcing one
/// the adapter or shape cannot run shows the library's error on the page.
const CONFIGS: &[(&str, Option<GemmConfig>)] = &[
    ("auto", None),
    (
        "tiled 64x64x16 t4x8",
        Some(GemmConfig::tiled(64, 64, 16, 4, 8)),
    ),
    (
        "tiled 32x32x16 t4x4",
        Some(GemmConfig::tiled(32, 32, 16, 4, 4)),
    ),
    ("gemv wg128 rows4", Some(GemmConfig::gemv(128, 4))),
];

/// Typical shapes whose picks the page lists.
fn pick_cases() -> Vec<(&'static str, GemmDesc)> {
    vec![
        ("f32 1024×1024×1024", GemmDesc::new(1024, 1024, 1024)),
        (
            "f32 1024×1024×1024, both transposed",
            GemmDesc::new(1024, 1024, 1024).trans(true, true),
        ),
        (
            "f32 matrix × vector 4096×4096",
            GemmDesc::new(4096, 1, 4096),
        ),
        ("f32 row × matrix 4096×4096", GemmDesc::new(1, 4096, 4096)),
        (
            "f16 1024×1024×1024",
            GemmDesc::new(1024, 1024, 1024).dtype(DType::F16),
        ),
    ]
}

impl DemoOp for Gemm {
    fn name(&self) -> &'static str {
        wgkernels::ops::gemm::NAME
    }

    fn title(&self) -> &'static str {
        "GEMM — C = A·B"
    }

    fn picks(&self, ctx: &Context) -> Vec<Pick> {
        let caps = ctx.caps();
        let limits = ctx.limits();
        let mut out = Vec::new();
        for (case, desc) in pick_cases() {
            if desc.dtype == DType::F16 && !caps.f16 {
                out.push(Pick {
                    case: case.into(),
                    config: String::new(),
                    note: "not run: the adapter lacks shader-f16, so f16 storage is skipped".into(),
                });
                continue;
            }
            let cfg = gemm_pick(ctx, &desc);
            let cands = gemm_candidates(caps, &limits, &desc);
            let mut variants: Vec<&str> = cands.iter().map(|c| c.variant().name()).collect();
            variants.dedup();
            out.push(Pick {
                case: case.into(),
                config: cfg.label(),
                note: format!(
                    "{} invocations (limit {}), {} B workgroup memory (limit {}); {} candidates ({})",
                    cfg.invocations(),
                    limits.max_compute_invocations_per_workgroup,
                    cfg.workgroup_bytes(),
                    limits.max_compute_workgroup_storage_size,
                    cands.len(),
                    variants.join(", ")
                ),
            });
        }
        let sg_note = if caps.subgroups {
            format!(
                "available: subgroups of {}–{}",
                caps.subgroup_min, caps.subgroup_max
            )
        } else {
            "not picked: the device has no SUBGROUP feature (wgpu's WebGPU backend does not \
             request the browser's `subgroups` yet)"
                .into()
        };
        out.push(Pick {
            case: "subgroup variant".into(),
            config: String::new(),
            note: sg_note,
        });
        let coop_note = match caps.coop_f16_f32_tile() {
            Some(t) => format!("available: {t}×{t} f16→f32"),
            None => "not picked: the adapter lists no cooperative-matrix configuration (WebGPU has none)".into(),
        };
        out.push(Pick {
            case: "cooperative-matrix variant".into(),
            config: String::new(),
            note: coop_note,
        });
        out
    }

    fn see_controls(&self) -> Vec<Control> {
        vec![
            Control::int("m", "M (rows)", "64", 1, 512, "rows of A and C; up to 512 so the heat map stays readable"),
            Control::int("n", "N (columns)", "64", 1, 512, "columns of B and C"),
            Control::int("k", "K (depth)", "48", 1, 4096, "columns of A, rows of B: the reduction length"),
            Control::choice(
                "config",
                "configuration",
                "auto",
                CONFIGS.iter().map(|(name, _)| *name).collect(),
                "auto = the dispatcher's pick; the others force one configuration (an error says why it cannot run here)",
            ),
        ]
    }

    fn see<'a>(
        &'a self,
        ctx: &'a Context,
        p: &'a Params,
    ) -> LocalBoxFuture<'a, Result<Vec<Figure>, String>> {
        Box::pin(async move {
            let desc = GemmDesc::new(p.int("m"), p.int("n"), p.int("k"));
            let forced = CONFIGS
                .iter()
                .find(|(name, _)| *name == p.word("config"))
                .and_then(|(_, c)| *c);
            let (a, b) = plaid_inputs(&desc);
            let (got, label) = ctx
                .capture_errors(async {
                    let plan = GemmPlan::new(ctx, desc, forced)?;
                    let got = plan.run_host(&a, &b, None).await?;
                    Ok((got, plan.config().label()))
                })
                .await
                .map_err(|e| e.to_string())?;
            let af: Vec<f64> = a.iter().map(|&x| x as f64).collect();
            let bf: Vec<f64> = b.iter().map(|&x| x as f64).collect();
            let want = gemm_ref(&desc, &af, &bf, None);
            let got: Vec<f64> = got.iter().map(|&x| x as f64).collect();
            let cmp = compare(&got, &want, Tolerance::gemm(DType::F32, desc.k));
            let (m, n, k) = (desc.m as usize, desc.n as usize, desc.k as usize);
            let err: Vec<f32> = got
                .iter()
                .zip(&want)
                .map(|(g, w)| (g - w).abs() as f32)
                .collect();
            let row = m / 2;
            Ok(vec![
                heat(
                    "A (smooth inputs)",
                    m,
                    k,
                    &a,
                    Palette::Diverging,
                    "row i",
                    "column l",
                    format!("{m}×{k}"),
                ),
                heat(
                    "B",
                    k,
                    n,
                    &b,
                    Palette::Diverging,
                    "row l",
                    "column j",
                    format!("{k}×{n}"),
                ),
                heat(
                    "C = A·B on the GPU",
                    m,
                    n,
                    &got.iter().map(|&x| x as f32).collect::<Vec<_>>(),
                    Palette::Diverging,
                    "row i",
                    "column j",
                    format!(
                        "{m}×{n}×{k}, {} `{label}`",
                        if forced.is_some() {
                            "forced"
                        } else {
                            "dispatcher picked"
                        }
                    ),
                ),
                heat(
                    "|GPU − CPU reference|",
                    m,
                    n,
                    &err,
                    Palette::Magnitude,
                    "row i",
                    "column j",
                    format!("max abs err {:.2e}; {}", cmp.max_abs_err, verdict(&cmp)),
                ),
                Figure::Lines {
                    title: format!("Row {row} of C"),
                    series: vec![
                        Series {
                            name: "GPU".into(),
                            values: decimate(&got[row * n..(row + 1) * n], 512),
                            dashed: false,
                        },
                        Series {
                            name: "CPU reference (f64)".into(),
                            values: decimate(&want[row * n..(row + 1) * n], 512),
                            dashed: true,
                        },
                    ],
                    x_label: "column j".into(),
                    caption: "the two curves coincide to within f32 rounding".into(),
                },
            ])
        })
    }

    fn measure_controls(&self) -> Vec<Control> {
        vec![
            Control::int_list(
                "sizes",
                "square sizes",
                "64, 128, 256",
                (1, 1024, 6),
                "M = N = K for each run, comma-separated; up to 1024 so a software adapter finishes in seconds",
            ),
            Control::iters("5"),
        ]
    }

    fn measure<'a>(
        &'a self,
        ctx: &'a Context,
        p: &'a Params,
    ) -> LocalBoxFuture<'a, Result<Vec<Bar>, String>> {
        Box::pin(async move {
            let iters = p.int("iters") as usize;
            let mut bars = Vec::new();
            for s in p.int_list("sizes") {
                let desc = GemmDesc::new(s, s, s);
                let row = BenchResult {
                    op: wgkernels::ops::gemm::NAME.into(),
                    dtype: desc.dtype,
                    shape: gemm_shape_json(&desc),
                    work: Some(gemm_work(&desc, false)),
                    ..Default::default()
                };
                let bar = timed_bar(ctx, row, format!("{s}³"), Rate::Flops, iters, || {
                    let plan = GemmPlan::new(ctx, desc, None)?;
                    let (a, b) = plaid_inputs(&desc);
                    let ab = ctx.upload("A", &a)?;
                    let bb = ctx.upload("B", &b)?;
                    let cb = ctx.storage("C", desc.c_len() * 4)?;
                    let bound = plan.bind(&ab, &bb, &cb)?;
                    let ran = Ran {
                        variant: plan.config().variant().name().into(),
                        config: plan.config().label(),
                        f16_math: plan.config().variant() == GemmVariant::Coop,
                    };
                    let rec: Recorder = Box::new(move |pass| {
                        let _keep = (&ab, &bb, &cb);
                        bound.record(pass)
                    });
                    Ok((rec, ran))
                })
                .await;
                bars.push(bar);
            }
            Ok(bars)
        })
    }
}

#[allow(clippy::too_many_arguments)]
fn heat(
    title: &str,
    rows: usize,
    cols: usize,
    values: &[f32],
    palette: Palette,
    y: &str,
    x: &str,
    caption: String,
) -> Figure {
    Figure::Heatmap {
        title: title.into(),
        rows,
        cols,
        values: values.to_vec(),
        palette,
        y_label: y.into(),
        x_label: x.into(),
        caption,
    }
}

/// Inputs whose product is a visible pattern: A's columns and B's rows are low-frequency
/// cosines, so C = Σ_l a_l b_lᵀ is a plaid of a few waves (random data would show only noise).
fn plaid_inputs(d: &GemmDesc) -> (Vec<f32>, Vec<f32>) {
    let (m, n, k) = (d.m as usize, d.n as usize, d.k as usize);
    let tau = std::f64::consts::TAU;
    let scale = 1.0 / (k as f64).sqrt();
    // A multiplicative hash: wrapping on purpose (a debug build, WGK_WEB_PROFILE=dev, checks
    // overflow and panicked here; release builds always wrapped, so the figure is unchanged).
    let phase = |l: usize, salt: usize| {
        (l.wrapping_mul(2654435761).wrapping_add(salt) % 1000) as f64 / 1000.0 * tau
    };
    let a = (0..m * k)
        .map(|idx| {
            let (i, l) = (idx / k, idx % k);
            let f = 1.0 + (l % 3) as f64;
            ((tau * f * (i as f64 + 0.5) / m as f64 + phase(l, 17)).cos() * scale) as f32
        })
        .collect();
    let b = (0..k * n)
        .map(|idx| {
            let (l, j) = (idx / n, idx % n);
            let g = 1.0 + ((l / 3) % 3) as f64;
            ((tau * g * (j as f64 + 0.5) / n as f64 + phase(l, 91)).cos()) as f32
        })
        .collect();
    (a, b)
}
