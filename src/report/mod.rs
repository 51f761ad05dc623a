//! The vendor report: measured peaks, then each op × shape with its time, throughput, share of
//! the measured peak, chosen configuration and error against the CPU reference. JSON for tools
//! (the `bench --json` contract of DESIGN.md), Markdown for people.

#[cfg(all(feature = "cli", not(target_arch = "wasm32")))]
pub mod charts;
pub mod compare;

use crate::dtype::DType;
use crate::probe::Peaks;
use crate::runtime::pipelines::CompileSummary;
use crate::runtime::AdapterId;
use serde::{Deserialize, Serialize};

/// serde_json writes a NaN as `null`; read it back as NaN, so every report `bench` writes loads.
fn nan_from_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// One measured op × shape (`results[]` of `bench --json`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BenchResult {
    /// Op name.
    pub op: String,
    /// Variant that ran.
    pub variant: String,
    /// Storage type.
    pub dtype: DType,
    /// The op's own dimensions.
    pub shape: serde_json::Value,
    /// Median time, ms.
    pub median_ms: f64,
    /// Compute throughput, where the op is compute-bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gflops: Option<f64>,
    /// Memory throughput, where the op is memory-bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gbps: Option<f64>,
    /// Share of the relevant measured peak (FMA for gflops, copy kernel for gbps), percent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pct_of_peak: Option<f64>,
    /// Configuration label.
    pub config: String,
    /// Where the configuration came from: `cache` (tuned winner), `tuned` (tuned during this
    /// run), `default` (the untuned vendor default) or `explicit` (named by the bench case).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub config_source: String,
    /// Relative L2 error against the CPU reference; NaN (JSON `null`) where the bench does not
    /// check the run (`verify` covers those cases).
    #[serde(deserialize_with = "nan_from_null")]
    pub rel_l2_err: f64,
    /// `gpu` (timestamps) or `wall`.
    pub timing: String,
    /// Free-form note (e.g. what a ratio is against).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

impl BenchResult {
    /// One line for a terminal: op, variant, dtype, shape, time, throughput, share of peak.
    pub fn line(&self) -> String {
        let rate = match (self.gflops, self.gbps) {
            (Some(g), _) => format!("{g:.1} GFLOP/s"),
            (None, Some(b)) => format!("{b:.2} GB/s"),
            _ => String::new(),
        };
        let pct = self
            .pct_of_peak
            .map_or(String::new(), |p| format!(" ({p:.1}% of peak)"));
        let note = if self.note.is_empty() {
            String::new()
        } else {
            format!("  [{}]", self.note)
        };
        format!(
            "{:<11} {:<14} {:<4} {:<48} {:>9.3} ms  {rate}{pct}{note}",
            self.op,
            self.variant,
            self.dtype,
            shape_text(&self.shape),
            self.median_ms
        )
    }
}

/// A whole report.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BenchReport {
    /// Adapter and driver.
    pub adapter: AdapterId,
    /// Measured peaks.
    pub peaks: Peaks,
    /// Every measured op × shape.
    pub results: Vec<BenchResult>,
    /// wgkernels version that wrote it.
    pub version: String,
    /// The pipelines each phase built per op, and what they cost (empty in older reports).
    #[serde(default)]
    pub compile: Vec<CompileRow>,
}

/// The pipelines one phase of a run (`verify`, `bench`) built for one op, and their cost. A
/// pipeline an earlier phase of the same run built is not built again, so it counts once.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CompileRow {
    /// `verify` or `bench`.
    pub phase: String,
    /// Op name.
    pub op: String,
    /// Count, seconds and the slowest build.
    #[serde(flatten)]
    pub cost: CompileSummary,
}

/// The note of a bench row that runs the untuned default beside a tuned pick.
pub const UNTUNED_DEFAULT_NOTE: &str = "untuned default";

/// How a row is matched across shapes and reports: `pick` for the dispatcher's choice
/// (`config_source` cache, tuned or default), else the variant the row forced.
pub fn row_role(r: &BenchResult) -> String {
    match r.config_source.as_str() {
        "explicit" if r.note == UNTUNED_DEFAULT_NOTE => format!("{} (untuned default)", r.variant),
        "explicit" | "" => r.variant.clone(),
        _ => "pick".into(),
    }
}

impl BenchReport {
    /// Markdown for people: adapter, peaks, one table row per result.
    pub fn to_markdown(&self) -> String {
        self.to_markdown_with(&[], None)
    }

    /// [`BenchReport::to_markdown`] with the charts (relative paths, title) linked at the end and
    /// a line on the tuning cache.
    pub fn to_markdown_with(&self, charts: &[(String, String)], tuning: Option<&str>) -> String {
        let a = &self.adapter;
        let p = &self.peaks;
        let mut s = format!(
            "# wgkernels report — {} ({}, {})\n\nDriver: {} {} · wgkernels {}\n\n## Measured peaks\n\n\
             | peak | value |\n|---|---|\n| FMA f32 | {:.1} GFLOP/s |\n",
            a.name, a.backend, a.device_type, a.driver, a.driver_info, self.version, p.fma_f32_gflops
        );
        if let Some(h) = p.fma_f16_gflops {
            s += &format!("| FMA f16 | {h:.1} GFLOP/s |\n");
        }
        s += &format!(
            "| copy kernel (read+write) | {:.2} GB/s |\n| copy_buffer_to_buffer | {:.2} GB/s |\n\n",
            p.copy_gbps, p.copy_buffer_gbps
        );
        if let Some(t) = tuning {
            s += &format!("Tuning: {t}\n\n");
        }
        s += "## Results\n\n| op | variant | dtype | shape | median ms | GFLOP/s | GB/s | % of peak | config | source | rel L2 err |\n";
        s += "|---|---|---|---|---:|---:|---:|---:|---|---|---:|\n";
        for r in &self.results {
            let opt = |x: Option<f64>, d: usize| x.map_or("".into(), |v| format!("{v:.d$}"));
            s += &format!(
                "| {} | {} | {} | {} | {:.3} | {} | {} | {} | {} | {} | {} |\n",
                r.op,
                r.variant,
                r.dtype,
                shape_text(&r.shape),
                r.median_ms,
                opt(r.gflops, 1),
                opt(r.gbps, 2),
                opt(r.pct_of_peak, 1),
                r.config,
                if r.note.is_empty() {
                    r.config_source.clone()
                } else {
                    format!("{} ({})", r.config_source, r.note)
                },
                if r.rel_l2_err.is_nan() {
                    "not checked".to_string()
                } else {
                    format!("{:.1e}", r.rel_l2_err)
                }
            );
        }
        if !self.compile.is_empty() {
            s += "\n## Pipeline builds\n\nPipelines built by each phase of the run (a pipeline an \
                  earlier phase built counts once), the seconds they took (host specialisation + \
                  driver) and the slowest.\n\n| phase | op | pipelines | seconds | slowest |\n\
                  |---|---|---:|---:|---|\n";
            for c in &self.compile {
                let slowest = c.cost.slowest.as_ref().map_or(String::new(), |b| {
                    format!("{:.1} s: `{}`", b.total_s(), b.label)
                });
                s += &format!(
                    "| {} | {} | {} | {:.1} | {} |\n",
                    c.phase,
                    c.op,
                    c.cost.pipelines,
                    c.cost.total_s(),
                    slowest
                );
            }
        }
        if !charts.is_empty() {
            s += "\n## Charts\n\n";
            for (file, title) in charts {
                s += &format!("![{title}]({file})\n\n");
            }
        }
        s
    }
}

/// `m=1024 n=1024 k=1024` from a shape object (booleans shown only when true).
pub fn shape_text(shape: &serde_json::Value) -> String {
    match shape.as_object() {
        Some(o) => o
            .iter()
            .filter_map(|(k, v)| match v {
                serde_json::Value::Bool(true) => Some(k.clone()),
                serde_json::Value::Bool(false) => None,
                serde_json::Value::Number(n)
                    if (k == "alpha" && n.as_f64() == Some(1.0))
                        || (k == "beta" && n.as_f64() == Some(0.0))
                        || (k == "batch" && n.as_u64() == Some(1)) =>
                {
                    None
                }
                v => Some(format!("{k}={v}")),
            })
            .collect::<Vec<_>>()
            .join(" "),
        None => shape.to_string(),
    }
}
