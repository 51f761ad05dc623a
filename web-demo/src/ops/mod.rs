//! The demo's one extension point: an op appears on the page through [`DemoOp`].
//!
//! Verification needs nothing here: the page verifies every name in `wgkernels::ops::ALL`
//! through `wgkernels::ops::verify_op_async`. What an op adds here is what only it knows how
//! to show: which configuration the dispatcher picks for typical shapes, its figures for the
//! See section and its timed cases for the Measure section, each with their page controls.
//! Adding an op = one file in this folder implementing [`DemoOp`] + one line in [`registry`].

mod attention;
mod fft;
mod fftconv;
mod gemm;
mod sparse_gemm;

use crate::controls::{Control, Params};
use crate::figure::{Bar, Figure};
use futures::future::LocalBoxFuture;
use serde::Serialize;
use wgkernels::report::{BenchResult, Work};
use wgkernels::tune::ConfigSource;
use wgkernels::{time_gpu_async, Context};

/// A configuration the dispatcher picks (or cannot pick) for one typical case.
#[derive(Clone, Debug, Serialize)]
pub struct Pick {
    /// The case, e.g. `f32 1024×1024×1024`.
    pub case: String,
    /// The configuration label, e.g. `tiled 64x64x16 t4x4`; empty when the case cannot run.
    pub config: String,
    /// Why a variant is or is not available here (missing feature, limit, ...).
    pub note: String,
}

/// What an op shows on the page besides its verification rows.
pub trait DemoOp {
    /// The op's name, as in `wgkernels::ops::ALL`.
    fn name(&self) -> &'static str;
    /// Heading on the page.
    fn title(&self) -> &'static str;
    /// The dispatcher's picks for typical cases on this adapter, and the variants it lacks.
    fn picks(&self, ctx: &Context) -> Vec<Pick>;
    /// Controls of the See section.
    fn see_controls(&self) -> Vec<Control>;
    /// Runs the op on illustrative data and returns its figures.
    fn see<'a>(
        &'a self,
        ctx: &'a Context,
        params: &'a Params,
    ) -> LocalBoxFuture<'a, Result<Vec<Figure>, String>>;
    /// Checks what single controls cannot (a value that depends on another, e.g. K a multiple
    /// of the pattern's M): `Err((control id, message))` puts the message next to that control
    /// and nothing runs.
    fn cross_check(&self, section: &str, params: &Params) -> Result<(), (&'static str, String)> {
        let _ = (section, params);
        Ok(())
    }
    /// Controls of the Measure section.
    fn measure_controls(&self) -> Vec<Control>;
    /// Times the op at each size the controls ask for (a size that fails carries its error).
    fn measure<'a>(
        &'a self,
        ctx: &'a Context,
        params: &'a Params,
    ) -> LocalBoxFuture<'a, Result<Vec<Bar>, String>>;
}

/// Every op with a page presence. Add new ops here (and to `wgkernels::ops::ALL`).
pub fn registry() -> Vec<Box<dyn DemoOp>> {
    vec![
        Box::new(gemm::Gemm),
        Box::new(fft::Fft),
        Box::new(fftconv::FftConv),
        Box::new(attention::Attention),
        Box::new(sparse_gemm::SparseGemm),
    ]
}

/// The registered op called `name`.
pub fn find(name: &str) -> Option<Box<dyn DemoOp>> {
    registry().into_iter().find(|o| o.name() == name)
}

/// A figure caption's verdict on a GPU result against its CPU reference: `rel L2 err E within
/// tolerance T`, or `OVER` in place of `within` (the page's e2e fails on any caption saying OVER).
pub fn verdict(c: &wgkernels::harness::tolerance::Comparison) -> String {
    format!(
        "rel L2 err {:.2e} {} tolerance {:.2e}",
        c.rel_l2_err,
        if c.pass { "within" } else { "OVER" },
        c.tolerance
    )
}

/// Records one timed case into a caller's compute pass (a bound op, moved in with its buffers).
pub type Recorder = Box<dyn Fn(&mut wgpu::ComputePass<'_>)>;

/// What a bar's rate shows of its row's work.
pub enum Rate {
    /// Floating-point operations per second (GFLOP/s).
    Flops,
    /// Bytes moved per second (GB/s).
    Bytes,
}

/// What a timed case ran: its kernel variant and configuration label (the report's `variant`
/// and `config`).
pub struct Ran {
    /// Variant name, as the native bench names it (`tiled`, `stockham`, `dense tiled`, ...).
    pub variant: String,
    /// Configuration label.
    pub config: String,
    /// The arithmetic ran on f16 cooperative matrices (the f16 FMA peak bounds the row).
    pub f16_math: bool,
}

/// Times one case of an op: `build` plans and binds it (returning the recorder and what it
/// runs), then `iters` runs are timed. `row` is the case's report row before timing (op,
/// dtype, shape, work from the op's `*_work`, note); the bar carries it completed with the
/// timings, so the page's report holds the same rows `wgkernels bench --json` writes. Any
/// error, including a GPU validation error, becomes the bar's error text instead of a missing
/// bar.
pub async fn timed_bar(
    ctx: &Context,
    mut row: BenchResult,
    label: String,
    rate: Rate,
    iters: usize,
    build: impl FnOnce() -> wgkernels::Result<(Recorder, Ran)>,
) -> Bar {
    let hits = ctx.tuner().stats().cache_hits;
    let r = ctx
        .capture_errors(async {
            let (record, ran) = build()?;
            let t = time_gpu_async(ctx, 2, iters, &*record).await?;
            Ok((t, ran))
        })
        .await;
    match r {
        Ok((t, ran)) => {
            let secs = t.median_ms * 1e-3;
            if let Some(w) = &mut row.work {
                w.f16_math = ran.f16_math;
            }
            let work = row.work.unwrap_or(Work {
                flops: 0.0,
                bytes: 0.0,
                f16_math: false,
            });
            let shown = match rate {
                Rate::Flops => per_second(work.flops / secs, "FLOP/s"),
                Rate::Bytes => per_second(work.bytes / secs, "B/s"),
            };
            let timing = format!("{:?}", t.source).to_lowercase();
            // The plan's pick came from the tuning cache if building it hit the cache.
            let source = if ctx.tuner().stats().cache_hits > hits {
                ConfigSource::Cache
            } else {
                ConfigSource::Default
            };
            if row.config_source.is_empty() {
                row.config_source = source.name().into();
            }
            row.variant = ran.variant;
            row.config = ran.config.clone();
            row.median_ms = t.median_ms;
            row.samples_ms = t.samples_ms;
            // GFLOP/s always; GB/s where the page shows the case as memory traffic.
            row.gflops = Some(work.flops / secs / 1e9);
            row.gbps = matches!(rate, Rate::Bytes).then(|| work.bytes / secs / 1e9);
            row.timing = timing.clone();
            Bar {
                op: row.op.clone(),
                label,
                config: ran.config,
                median_ms: t.median_ms,
                rate: shown,
                timing,
                error: None,
                row: Some(row),
            }
        }
        Err(e) => Bar {
            op: row.op,
            label,
            config: String::new(),
            median_ms: 0.0,
            rate: String::new(),
            timing: String::new(),
            error: Some(e.to_string()),
            row: None,
        },
    }
}

/// A heat map figure (shorthand for the ops' See sections).
#[allow(clippy::too_many_arguments)]
pub fn heat(
    title: impl Into<String>,
    rows: usize,
    cols: usize,
    values: Vec<f32>,
    palette: crate::figure::Palette,
    y: &str,
    x: &str,
    caption: String,
) -> Figure {
    Figure::Heatmap {
        title: title.into(),
        rows,
        cols,
        values,
        palette,
        y_label: y.into(),
        x_label: x.into(),
        caption,
    }
}

/// A line plot of one or more curves.
pub fn lines(
    title: impl Into<String>,
    series: Vec<(&str, Vec<f32>, bool)>,
    x: &str,
    caption: String,
) -> Figure {
    Figure::Lines {
        title: title.into(),
        series: series
            .into_iter()
            .map(|(name, values, dashed)| crate::figure::Series {
                name: name.into(),
                values,
                dashed,
            })
            .collect(),
        x_label: x.into(),
        caption,
    }
}

/// `v` with an SI prefix and three significant digits, e.g. `12.3 MFLOP/s`, `1.05 GB/s` (a
/// software adapter runs at mega-, a GPU at giga- or tera-).
pub fn per_second(v: f64, unit: &str) -> String {
    let (scaled, prefix) = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
        .into_iter()
        .find(|(s, _)| v >= *s)
        .map_or((v, ""), |(s, p)| (v / s, p));
    let digits = if scaled >= 100.0 {
        0
    } else if scaled >= 10.0 {
        1
    } else {
        2
    };
    format!("{scaled:.digits$} {prefix}{unit}")
}
