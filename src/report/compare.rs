//! `compare`: several bench reports (one per adapter or vendor) side by side, with ratios.
//!
//! Rows are matched across reports by op, dtype, shape and role: `pick` for the dispatcher's
//! choice (whatever variant and configuration it chose on that adapter — that is what a user
//! gets), else the variant the row forced. Ratios are speeds relative to the first report
//! (its time ÷ this time: 2.0 means twice as fast as A).
//!
//! Scores (per op and overall, geometric means of % of roof; see [`super::roofline`]) are
//! recomputed from each report's own peaks and rows on load, and the reports are ranked by
//! their overall score. A score is relative to that adapter's own measured roofs: it says how
//! well the kernels use the hardware, not which hardware is faster (the ratios say that).

use super::roofline::Scores;
use super::{row_role, shape_text, BenchReport, SCHEMA_VERSION};
use crate::error::{Error, Result};
use serde::Serialize;
use std::path::Path;

/// One report's numbers for one row.
#[derive(Clone, Debug, Serialize)]
pub struct Cell {
    /// Median time, ms.
    pub median_ms: f64,
    /// GFLOP/s (compute-bound rows).
    pub gflops: Option<f64>,
    /// GB/s (memory-bound rows).
    pub gbps: Option<f64>,
    /// Share of that adapter's measured peak, percent.
    pub pct_of_peak: Option<f64>,
    /// Share of the row's roof on that adapter, percent.
    pub pct_of_roof: Option<f64>,
    /// (max − min) ÷ median of the timed runs, percent.
    pub spread_pct: Option<f64>,
    /// Configuration that ran there.
    pub config: String,
    /// Where the configuration came from there.
    pub config_source: String,
}

/// One op × shape × role across the reports.
#[derive(Clone, Debug, Serialize)]
pub struct CompareRow {
    /// Op name.
    pub op: String,
    /// Storage type.
    pub dtype: String,
    /// Shape as text.
    pub shape: String,
    /// `pick` or the forced variant.
    pub role: String,
    /// One cell per report (`None` where that report lacks the row).
    pub cells: Vec<Option<Cell>>,
}

impl CompareRow {
    /// `op role dtype shape`.
    pub fn label(&self) -> String {
        format!("{} {} {} {}", self.op, self.role, self.dtype, self.shape)
    }

    /// Speed of report `j` relative to the first report (A's time ÷ j's time).
    pub fn speed_vs_first(&self, j: usize) -> Option<f64> {
        let a = self.cells.first()?.as_ref()?.median_ms;
        let b = self.cells.get(j)?.as_ref()?.median_ms;
        (a > 0.0 && b > 0.0).then(|| a / b)
    }
}

/// A measured peak across the reports.
#[derive(Clone, Debug, Serialize)]
pub struct PeakRow {
    /// Which peak.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Value per report.
    pub values: Vec<Option<f64>>,
}

/// The side-by-side view of several reports.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    /// One label per report: adapter name, backend, driver.
    pub adapters: Vec<String>,
    /// The files, in order.
    pub files: Vec<String>,
    /// Measured peaks.
    pub peaks: Vec<PeakRow>,
    /// Every row present in at least one report, in first-seen order.
    pub rows: Vec<CompareRow>,
    /// Each report's scores, in file order.
    pub scores: Vec<Scores>,
    /// Report indices by overall score, best first (reports without a score last).
    pub ranking: Vec<usize>,
}

/// `A`, `B`, ... `Z`, then `R27`, ...
pub fn letter(j: usize) -> String {
    if j < 26 {
        ((b'A' + j as u8) as char).to_string()
    } else {
        format!("R{}", j + 1)
    }
}

/// Reads a bench report, with errors that say which file and what is wrong with it.
pub fn load_report(path: &Path) -> Result<BenchReport> {
    let p = path.display().to_string();
    let text = std::fs::read(path).map_err(|source| Error::Io {
        path: p.clone(),
        source,
    })?;
    let value: serde_json::Value = serde_json::from_slice(&text).map_err(|e| Error::Format {
        path: p.clone(),
        msg: format!("not a JSON file ({e})"),
    })?;
    let looks_like = if value.get("checks").is_some() {
        " (it looks like a `verify --json` file)"
    } else if value.get("features").is_some() {
        " (it looks like an `info --json` file)"
    } else {
        ""
    };
    // A report that claims the current layout must match the schema, whoever wrote it (the
    // browser's "Download JSON" included); older layouts load through serde's defaults.
    if value.get("schema_version").and_then(|v| v.as_u64()) == Some(SCHEMA_VERSION as u64) {
        let errors = super::schema::validate(&super::schema::schema(), &value, "$");
        if !errors.is_empty() {
            return Err(Error::Format {
                path: p,
                msg: format!(
                    "does not match the bench report schema (version {SCHEMA_VERSION}, schema/bench-report.schema.json): {}{}",
                    errors.iter().take(5).cloned().collect::<Vec<_>>().join("; "),
                    if errors.len() > 5 {
                        format!("; and {} more", errors.len() - 5)
                    } else {
                        String::new()
                    }
                ),
            });
        }
    }
    let mut report: BenchReport = serde_json::from_value(value).map_err(|e| Error::Format {
        path: p,
        msg: format!(
            "not a wgkernels bench report{looks_like}: {e}; expected `adapter`, `peaks`, `results` and `version` as written by `wgkernels bench --json`"
        ),
    })?;
    report.apply_roofline();
    Ok(report)
}

/// Builds the side-by-side view; `files` are the names shown for the reports.
pub fn compare_reports(reports: &[BenchReport], files: &[String]) -> Comparison {
    let adapters = reports
        .iter()
        .map(|r| {
            format!(
                "{} ({}, {} {})",
                r.adapter.name, r.adapter.backend, r.adapter.driver, r.adapter.driver_info
            )
            .replace("  ", " ")
        })
        .collect();
    let n = reports.len();
    let peak = |name: &str, unit: &str, f: &dyn Fn(&BenchReport) -> Option<f64>| PeakRow {
        name: name.into(),
        unit: unit.into(),
        values: reports.iter().map(f).collect(),
    };
    let peaks = vec![
        peak("FMA f32", "GFLOP/s", &|r| Some(r.peaks.fma_f32_gflops)),
        peak("FMA f16", "GFLOP/s", &|r| r.peaks.fma_f16_gflops),
        peak("copy kernel", "GB/s", &|r| Some(r.peaks.copy_gbps)),
        peak("copy_buffer_to_buffer", "GB/s", &|r| {
            Some(r.peaks.copy_buffer_gbps)
        }),
    ];
    let mut rows: Vec<CompareRow> = Vec::new();
    for (j, rep) in reports.iter().enumerate() {
        // The k-th occurrence of a key within one report matches the k-th in the others.
        let mut seen: Vec<(String, String, String, String)> = Vec::new();
        for r in &rep.results {
            let mut key = (
                r.op.clone(),
                r.dtype.to_string(),
                shape_text(&r.shape),
                row_role(r),
            );
            let dup = seen.iter().filter(|k| **k == key).count();
            seen.push(key.clone());
            if dup > 0 {
                key.3 = format!("{} #{}", key.3, dup + 1);
            }
            let cell = Cell {
                median_ms: r.median_ms,
                gflops: r.gflops,
                gbps: r.gbps,
                pct_of_peak: r.pct_of_peak,
                pct_of_roof: r.pct_of_roof,
                spread_pct: r.spread().map(|s| s.pct()),
                config: r.config.clone(),
                config_source: r.config_source.clone(),
            };
            let (op, dtype, shape, role) = key;
            match rows
                .iter_mut()
                .find(|x| x.op == op && x.dtype == dtype && x.shape == shape && x.role == role)
            {
                Some(row) => row.cells[j] = Some(cell),
                None => {
                    let mut cells = vec![None; n];
                    cells[j] = Some(cell);
                    rows.push(CompareRow {
                        op,
                        dtype,
                        shape,
                        role,
                        cells,
                    });
                }
            }
        }
    }
    let scores: Vec<Scores> = reports.iter().map(|r| r.scores.clone()).collect();
    let mut ranking: Vec<usize> = (0..n).collect();
    ranking.sort_by(|&a, &b| {
        let key = |j: usize| scores[j].overall.unwrap_or(f64::NEG_INFINITY);
        key(b).total_cmp(&key(a))
    });
    Comparison {
        adapters,
        files: files.to_vec(),
        peaks,
        rows,
        scores,
        ranking,
    }
}

fn fmt_opt(x: Option<f64>, d: usize) -> String {
    x.map_or("-".into(), |v| format!("{v:.d$}"))
}

fn throughput(c: &Cell) -> String {
    match (c.gbps, c.gflops) {
        (Some(g), _) => format!("{g:.2} GB/s"),
        (None, Some(f)) => format!("{f:.1} GF/s"),
        _ => "-".into(),
    }
}

impl Comparison {
    /// Every op with a score in any report, in first-seen order.
    pub fn scored_ops(&self) -> Vec<String> {
        let mut ops: Vec<String> = Vec::new();
        for s in &self.scores {
            for o in &s.ops {
                if !ops.contains(&o.op) {
                    ops.push(o.op.clone());
                }
            }
        }
        ops
    }

    /// The ranking as table rows: rank, report letter, adapter, overall, one score per op of
    /// [`Comparison::scored_ops`] (`-` where a report lacks the op).
    pub fn ranking_rows(&self) -> Vec<Vec<String>> {
        let ops = self.scored_ops();
        self.ranking
            .iter()
            .enumerate()
            .map(|(rank, &j)| {
                let sc = &self.scores[j];
                let mut row = vec![
                    (rank + 1).to_string(),
                    letter(j),
                    self.adapters[j].clone(),
                    fmt_opt(sc.overall, 1),
                ];
                row.extend(ops.iter().map(|o| fmt_opt(sc.of(o), 1)));
                row
            })
            .collect()
    }

    /// Rows present in at least two reports (the ones with ratios).
    pub fn shared_rows(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.cells.iter().filter(|c| c.is_some()).count() >= 2)
            .count()
    }

    /// The plain-text table for a terminal.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for (j, (a, f)) in self.adapters.iter().zip(&self.files).enumerate() {
            s += &format!("{}: {a}  [{f}]\n", letter(j));
        }
        s += "\nmeasured peaks\n";
        let mut head = format!("{:<30}", "peak");
        for j in 0..self.adapters.len() {
            head += &format!(" {:>12}", letter(j));
            if j > 0 {
                head += &format!(" {:>7}", format!("{}/A", letter(j)));
            }
        }
        s += &head;
        s.push('\n');
        for p in &self.peaks {
            let mut line = format!("{:<30}", format!("{} ({})", p.name, p.unit));
            for (j, v) in p.values.iter().enumerate() {
                line += &format!(" {:>12}", fmt_opt(*v, 2));
                if j > 0 {
                    let r = match (p.values[0], v) {
                        (Some(a), Some(b)) if a > 0.0 => format!("{:.2}", b / a),
                        _ => "-".into(),
                    };
                    line += &format!(" {r:>7}");
                }
            }
            s += &line;
            s.push('\n');
        }
        s += "\nscores (geometric mean of % of roof), ranked\n";
        let ops = self.scored_ops();
        let mut head = format!("{:<4} {:<3} {:<50} {:>8}", "rank", "", "adapter", "overall");
        for o in &ops {
            head += &format!(" {o:>11}");
        }
        s += &head;
        s.push('\n');
        for row in self.ranking_rows() {
            let mut line = format!("{:<4} {:<3} {:<50} {:>8}", row[0], row[1], row[2], row[3]);
            for v in &row[4..] {
                line += &format!(" {v:>11}");
            }
            s += &line;
            s.push('\n');
        }
        s += "\nresults: median ms | throughput | % of that adapter's roof for the row; ratio = speed vs A (A's time ÷ this time)\n";
        let label_w = self
            .rows
            .iter()
            .map(|r| r.label().chars().count())
            .max()
            .unwrap_or(10)
            .clamp(10, 70);
        let mut head = format!("{:<label_w$}", "op role dtype shape");
        for j in 0..self.adapters.len() {
            head += &format!(
                " | {:>9} {:>13} {:>6}",
                format!("{} ms", letter(j)),
                "throughput",
                "%roof"
            );
            if j > 0 {
                head += &format!(" {:>6}", format!("×{}/A", letter(j)));
            }
        }
        s += &head;
        s.push('\n');
        s += &"-".repeat(head.chars().count());
        s.push('\n');
        for r in &self.rows {
            let mut line = format!("{:<label_w$}", r.label());
            for (j, c) in r.cells.iter().enumerate() {
                match c {
                    Some(c) => {
                        line += &format!(
                            " | {:>9.3} {:>13} {:>6}",
                            c.median_ms,
                            throughput(c),
                            fmt_opt(c.pct_of_roof, 1)
                        )
                    }
                    None => line += &format!(" | {:>9} {:>13} {:>6}", "-", "-", "-"),
                }
                if j > 0 {
                    line += &format!(" {:>6}", fmt_opt(r.speed_vs_first(j), 2));
                }
            }
            s += &line;
            s.push('\n');
        }
        s += &format!(
            "\n{} rows, {} present in at least two reports\n",
            self.rows.len(),
            self.shared_rows()
        );
        s
    }

    /// Markdown: legend, the ranked scores, peaks, the side-by-side table (configs included),
    /// the charts (`(file, title)`).
    pub fn to_markdown(&self, charts: &[(String, String)]) -> String {
        let mut s = String::from("# wgkernels comparison\n\n");
        for (j, (a, f)) in self.adapters.iter().zip(&self.files).enumerate() {
            s += &format!("- **{}**: {a} — `{f}`\n", letter(j));
        }
        s += "\n## Scores, ranked\n\nGeometric mean of % of roof (each adapter against its own measured \
              roofs: how well the kernels use that hardware; the ratios below say which is faster).\n\n\
              | rank | report | adapter | overall |";
        let ops = self.scored_ops();
        for o in &ops {
            s += &format!(" {o} |");
        }
        s += "\n|---:|---|---|---:|";
        s += &"---:|".repeat(ops.len());
        s.push('\n');
        for row in self.ranking_rows() {
            s += &format!("| {} |\n", row.join(" | "));
        }
        s += "\n## Measured peaks\n\n| peak |";
        for j in 0..self.adapters.len() {
            s += &format!(" {} |", letter(j));
            if j > 0 {
                s += &format!(" {}/A |", letter(j));
            }
        }
        s += "\n|---|";
        for j in 0..self.adapters.len() {
            s += "---:|";
            if j > 0 {
                s += "---:|";
            }
        }
        s.push('\n');
        for p in &self.peaks {
            s += &format!("| {} ({}) |", p.name, p.unit);
            for (j, v) in p.values.iter().enumerate() {
                s += &format!(" {} |", fmt_opt(*v, 2));
                if j > 0 {
                    let r = match (p.values[0], v) {
                        (Some(a), Some(b)) if a > 0.0 => format!("{:.2}", b / a),
                        _ => "-".into(),
                    };
                    s += &format!(" {r} |");
                }
            }
            s.push('\n');
        }
        s += "\n## Results\n\nEach cell: median ms · throughput · % of that adapter's roof for the row · config (source); \
              ⚠ marks a spread over 10 % of the median. \
              Ratio: speed relative to A (A's time ÷ this time; > 1 is faster).\n\n| op | role | dtype | shape |";
        for j in 0..self.adapters.len() {
            s += &format!(" {} |", letter(j));
            if j > 0 {
                s += &format!(" {}/A |", letter(j));
            }
        }
        s += "\n|---|---|---|---|";
        for j in 0..self.adapters.len() {
            s += "---|";
            if j > 0 {
                s += "---:|";
            }
        }
        s.push('\n');
        for r in &self.rows {
            s += &format!("| {} | {} | {} | {} |", r.op, r.role, r.dtype, r.shape);
            for (j, c) in r.cells.iter().enumerate() {
                match c {
                    Some(c) => {
                        let src = if c.config_source.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", c.config_source)
                        };
                        let warn = match c.spread_pct {
                            Some(p) if p > super::SPREAD_FLAG_PCT => format!(" ⚠ spread {p:.0}%"),
                            _ => String::new(),
                        };
                        s += &format!(
                            " {:.3} ms{warn} · {} · {}% · `{}`{src} |",
                            c.median_ms,
                            throughput(c),
                            fmt_opt(c.pct_of_roof, 1),
                            c.config
                        );
                    }
                    None => s += " – |",
                }
                if j > 0 {
                    s += &format!(" {} |", fmt_opt(r.speed_vs_first(j), 2));
                }
            }
            s.push('\n');
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
