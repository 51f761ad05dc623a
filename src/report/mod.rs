//! The vendor report: measured peaks, then each op × shape with its time, its spread over the
//! timed runs, throughput, roofline (intensity, roof, % of roof; see [`roofline`]), chosen
//! configuration and where it came from, and error against the CPU reference; the per-op and
//! overall scores; the system it ran on. JSON for tools (the `bench --json` contract of
//! DESIGN.md, described by `schema/bench-report.schema.json`, versioned by
//! [`SCHEMA_VERSION`]), CSV for spreadsheets, Markdown and a self-contained HTML page for people.

#[cfg(all(feature = "cli", not(target_arch = "wasm32")))]
pub mod charts;
pub mod compare;
pub mod files;
pub mod roofline;
pub mod schema;
pub mod system;

pub use roofline::{Scores, Work};
pub use system::SystemInfo;

/// Version of the report's JSON layout (`schema_version`; reports from before it was written
/// read as 1). 2 added spread, work, roofline, scores and system.
pub const SCHEMA_VERSION: u32 = 2;

/// A row whose spread (max − min over its timed runs) exceeds this share of its median, in
/// percent, is flagged: its figure is not to be trusted to better than that.
pub const SPREAD_FLAG_PCT: f64 = 10.0;

fn schema_v1() -> u32 {
    1
}

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
    /// Every timed run, ms (the spread of the median; empty in reports before schema 2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samples_ms: Vec<f64>,
    /// The row's work, counted from the op's definition ([`roofline`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work: Option<Work>,
    /// Arithmetic intensity, FLOP per byte (`work.flops / work.bytes`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intensity: Option<f64>,
    /// The roof bounding this row on this adapter, GFLOP/s: min(FMA peak, copy bandwidth ×
    /// intensity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roof_gflops: Option<f64>,
    /// Which roof bounds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bound: Option<roofline::Bound>,
    /// Share of the roof reached (work.flops / median time ÷ roof), percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pct_of_roof: Option<f64>,
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

/// An empty row (f32, no time, no work): the base of a row literal's `..Default::default()`
/// for the fields a bench case leaves to [`roofline::apply`].
impl Default for BenchResult {
    fn default() -> Self {
        Self {
            op: String::new(),
            variant: String::new(),
            dtype: DType::F32,
            shape: serde_json::Value::Null,
            median_ms: f64::NAN,
            samples_ms: Vec::new(),
            work: None,
            intensity: None,
            roof_gflops: None,
            bound: None,
            pct_of_roof: None,
            gflops: None,
            gbps: None,
            pct_of_peak: None,
            config: String::new(),
            config_source: String::new(),
            rel_l2_err: f64::NAN,
            timing: String::new(),
            note: String::new(),
        }
    }
}

/// The spread of one row's timed runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    /// Timed runs.
    pub samples: usize,
    /// Fastest run, ms.
    pub min_ms: f64,
    /// Median, ms.
    pub median_ms: f64,
    /// Slowest run, ms.
    pub max_ms: f64,
}

impl Spread {
    /// (max − min) ÷ median, percent.
    pub fn pct(&self) -> f64 {
        100.0 * (self.max_ms - self.min_ms) / self.median_ms
    }
    /// Over [`SPREAD_FLAG_PCT`].
    pub fn flagged(&self) -> bool {
        self.pct() > SPREAD_FLAG_PCT
    }
}

impl BenchResult {
    /// The spread of the timed runs (`None` for a row without samples).
    pub fn spread(&self) -> Option<Spread> {
        let min = self.samples_ms.iter().copied().reduce(f64::min)?;
        let max = self.samples_ms.iter().copied().reduce(f64::max)?;
        Some(Spread {
            samples: self.samples_ms.len(),
            min_ms: min,
            median_ms: self.median_ms,
            max_ms: max,
        })
    }

    /// One line for a terminal: op, variant, dtype, shape, time, throughput, share of peak.
    pub fn line(&self) -> String {
        let rate = match (self.gflops, self.gbps) {
            (Some(g), _) => format!("{g:.1} GFLOP/s"),
            (None, Some(b)) => format!("{b:.2} GB/s"),
            _ => String::new(),
        };
        let pct = self
            .pct_of_roof
            .map_or(String::new(), |p| format!(" ({p:.1}% of roof)"));
        let spread = self.spread().map_or(String::new(), |s| {
            format!(
                " spread {:.0}%{}",
                s.pct(),
                if s.flagged() { " ⚠" } else { "" }
            )
        });
        let note = if self.note.is_empty() {
            String::new()
        } else {
            format!("  [{}]", self.note)
        };
        format!(
            "{:<11} {:<14} {:<4} {:<48} {:>9.3} ms{spread}  {rate}{pct}{note}",
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
    /// [`SCHEMA_VERSION`] of the writer.
    #[serde(default = "schema_v1")]
    pub schema_version: u32,
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
    /// Per-op and overall scores (geometric means of % of roof).
    #[serde(default)]
    pub scores: Scores,
    /// CPU, OS, wgpu version and machine load around the run (absent in older reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<SystemInfo>,
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
        if let Some(sys) = &self.system {
            s += &format!("System: {}\n\n", sys.line());
            if let Some(l) = sys.load_text() {
                s += &format!("Load average: {l}\n\n");
            }
        }
        s += &self.scores_markdown();
        s += "## Results\n\nRoof: min(FMA peak, copy bandwidth × intensity) on this adapter; \
              % of roof: the row's FLOP ÷ its median time, over the roof. Spread: (max − min) ÷ \
              median of the timed runs; ⚠ marks a spread over ";
        s += &format!(
            "{SPREAD_FLAG_PCT:.0} % (do not trust that figure to better than its spread).\n\n"
        );
        s += "| op | variant | dtype | shape | median ms | runs | min–max ms | spread | GFLOP/s | GB/s | FLOP/B | roof GFLOP/s | % of roof | config | source | rel L2 err |\n";
        s += "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|\n";
        let mut flagged = 0;
        for r in &self.results {
            let opt = |x: Option<f64>, d: usize| x.map_or("".into(), |v| format!("{v:.d$}"));
            let (runs, range, spread) = match r.spread() {
                Some(sp) => {
                    flagged += usize::from(sp.flagged());
                    (
                        sp.samples.to_string(),
                        format!("{:.3}–{:.3}", sp.min_ms, sp.max_ms),
                        format!("{}{:.1} %", if sp.flagged() { "⚠ " } else { "" }, sp.pct()),
                    )
                }
                None => Default::default(),
            };
            s += &format!(
                "| {} | {} | {} | {} | {:.3} | {runs} | {range} | {spread} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                r.op,
                r.variant,
                r.dtype,
                shape_text(&r.shape),
                r.median_ms,
                opt(r.gflops, 1),
                opt(r.gbps, 2),
                opt(r.intensity, 2),
                opt(r.roof_gflops, 1),
                opt(r.pct_of_roof, 1),
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
        if flagged > 0 {
            s += &format!(
                "\n⚠ {flagged} of {} rows spread over {SPREAD_FLAG_PCT:.0} % of their median.\n",
                self.results.len()
            );
        }
        let over = self
            .results
            .iter()
            .filter(|r| r.pct_of_roof.is_some_and(|p| p > 100.0))
            .count();
        if over > 0 {
            s += &format!(
                "\n{over} row(s) over 100 % of their roof: the measured peak bounding them is below \
                 what they reached (a probe run at a busier moment, or a probe that misses the \
                 adapter's fastest path); read those roofs as lower bounds.\n"
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
            let (n, secs) = self.compile_totals();
            s += &format!("| **total** | | {n} | {secs:.1} | |\n");
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

impl BenchReport {
    /// A report of `results` measured under `peaks` on `adapter`, with the roofline fields and
    /// scores filled in (by [`BenchReport::apply_roofline`]).
    pub fn new(
        adapter: AdapterId,
        peaks: Peaks,
        results: Vec<BenchResult>,
        compile: Vec<CompileRow>,
        system: Option<SystemInfo>,
    ) -> Self {
        let mut r = Self {
            schema_version: SCHEMA_VERSION,
            adapter,
            peaks,
            results,
            version: env!("CARGO_PKG_VERSION").into(),
            compile,
            scores: Scores::default(),
            system,
        };
        r.apply_roofline();
        r
    }

    /// Pipelines built and seconds spent building them over every phase of the run.
    pub fn compile_totals(&self) -> (usize, f64) {
        self.compile.iter().fold((0, 0.0), |(n, s), c| {
            (n + c.cost.pipelines, s + c.cost.total_s())
        })
    }

    /// The `## Scores` section: per op and overall.
    pub fn scores_markdown(&self) -> String {
        let mut s = String::from(
            "## Scores\n\nGeometric mean of % of roof: per op over its rows, overall over the ops.\n\n\
             | op | score (% of roof) | rows |\n|---|---:|---:|\n",
        );
        for o in &self.scores.ops {
            s += &format!("| {} | {:.1} | {} |\n", o.op, o.score, o.rows);
        }
        s += &format!(
            "| **overall** | **{}** | |\n\n",
            self.scores
                .overall
                .map_or("-".to_string(), |v| format!("{v:.1}"))
        );
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
