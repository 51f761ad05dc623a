//! SVG charts of the vendor report and of `compare` (plotters, SVG backend only):
//! - roofline: the measured roofs and every result as a point (intensity, GFLOP/s);
//! - efficiency: one bar per result, its share of its roof;
//! - time vs size / density: results of one op that differ in exactly one dimension of their
//!   shape (or in several that move together, like `m=n=k`), one curve per variant;
//! - compare: per result row, each adapter's speed relative to the first report.
//!
//! Which results form a curve is decided by [`curves`], a pure function, so it is tested
//! without drawing anything.

use super::compare::Comparison;
use super::{shape_text, BenchReport, BenchResult};
use crate::error::{Error, Result};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One chart written to disk.
#[derive(Clone, Debug)]
pub struct ChartFile {
    /// Where it was written.
    pub path: PathBuf,
    /// Its title (alt text in Markdown).
    pub title: String,
}

/// Results of one op that vary along one axis, one series per variant (or per pick).
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    /// The op.
    pub op: String,
    /// The varying dimension(s), e.g. `density` or `m=n=k`.
    pub x_name: String,
    /// The series.
    pub series: Vec<Series>,
}

/// One line of a [`Curve`].
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend text: variant or `pick`, dtype and the fixed dimensions.
    pub label: String,
    /// (x, median ms), sorted by x.
    pub points: Vec<(f64, f64)>,
}

fn role(r: &BenchResult) -> String {
    super::row_role(r)
}

fn key_order(k: &str) -> (usize, String) {
    let pos = ["b", "h", "l", "m", "n", "k", "d", "batch", "density"]
        .iter()
        .position(|p| *p == k);
    (pos.unwrap_or(usize::MAX), k.to_string())
}

/// Whether a text field of a shape only restates one of its numbers: an attention `pattern`
/// of `dense` or `density k/n` next to the numeric `work_density` (so the density sweep is one
/// curve over `work_density`; structured patterns stay apart).
fn restates_a_number(key: &str, value: &serde_json::Value, shape: &serde_json::Value) -> bool {
    key == "pattern"
        && shape.get("work_density").is_some_and(|w| w.is_number())
        && value
            .as_str()
            .is_some_and(|p| p == "dense" || p.starts_with("density "))
}

/// Finds the curves in `results`: for every op, role and dtype, every set of results whose
/// shapes differ only in the same numeric dimension(s) — where several differ, in lock-step
/// (`m = n = k` in each result) — with at least two distinct values; and, where exactly two
/// differ with their product fixed (the FFT's `n` at a fixed `n·batch`, i.e. a fixed buffer),
/// at least three results, plotted over the first of them.
pub fn curves(results: &[BenchResult]) -> Vec<Curve> {
    type Dims = BTreeMap<String, f64>;
    let parsed: Vec<(&BenchResult, Dims, String)> = results
        .iter()
        .map(|r| {
            let mut nums = Dims::new();
            let mut other = Vec::new();
            if let Some(o) = r.shape.as_object() {
                for (k, v) in o {
                    match v.as_f64() {
                        Some(x) => {
                            nums.insert(k.clone(), x);
                        }
                        None if restates_a_number(k, v, &r.shape) => {}
                        None => other.push(format!("{k}={v}")),
                    }
                }
            }
            (r, nums, other.join(" "))
        })
        .collect();
    // Candidate axes: the key sets in which two comparable results differ.
    let mut axes: Vec<Vec<String>> = Vec::new();
    for (i, (a, da, oa)) in parsed.iter().enumerate() {
        for (b, db, ob) in &parsed[i + 1..] {
            if (&a.op, a.dtype, role(a), oa) != (&b.op, b.dtype, role(b), ob)
                || da.keys().ne(db.keys())
            {
                continue;
            }
            let mut diff: Vec<String> = da
                .iter()
                .filter(|(k, v)| db[*k] != **v)
                .map(|(k, _)| k.clone())
                .collect();
            diff.sort_by_key(|k| key_order(k));
            if !diff.is_empty() && !axes.contains(&diff) {
                axes.push(diff);
            }
        }
    }
    let mut out: Vec<Curve> = Vec::new();
    for axis in axes {
        let lockstep = |d: &Dims| axis.iter().all(|k| d.get(k) == d.get(&axis[0]));
        // (op, series label, fixed product) -> points; the product is 0 for lock-step curves.
        let mut groups: BTreeMap<(String, String, u64), Vec<(f64, f64)>> = BTreeMap::new();
        for (r, d, other) in &parsed {
            if !axis.iter().all(|k| d.contains_key(k)) {
                continue;
            }
            let product = if lockstep(d) {
                0
            } else if axis.len() == 2 {
                (d[&axis[0]] * d[&axis[1]]) as u64
            } else {
                continue;
            };
            let fixed: Vec<String> = d
                .iter()
                .filter(|(k, _)| !axis.contains(k))
                .map(|(k, v)| format!("{k}={v}"))
                .chain((product > 0).then(|| format!("{}·{}={product}", axis[0], axis[1])))
                .chain((!other.is_empty()).then(|| other.clone()))
                .collect();
            let label = format!("{} {} {}", role(r), r.dtype, fixed.join(" "))
                .trim()
                .to_string();
            let pts = groups.entry((r.op.clone(), label, product)).or_default();
            let x = d[&axis[0]];
            if !pts.iter().any(|p| p.0 == x) {
                pts.push((x, r.median_ms));
            }
        }
        for ((op, label, product), mut points) in groups {
            if points.len() < if product > 0 { 3 } else { 2 } {
                continue;
            }
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            let x_name = if product > 0 {
                format!("{} at fixed {}", axis[0], axis.join("·"))
            } else {
                axis.join("=")
            };
            let series = Series {
                label: shorten_label(&label),
                points,
            };
            match out.iter_mut().find(|c| c.op == op && c.x_name == x_name) {
                Some(c) => {
                    if !c.series.contains(&series) {
                        c.series.push(series)
                    }
                }
                None => out.push(Curve {
                    op,
                    x_name,
                    series: vec![series],
                }),
            }
        }
    }
    out
}

/// Drops default-valued flags (`trans_a=false`, `alpha=1`, ...) from a series label.
fn shorten_label(label: &str) -> String {
    label
        .split(' ')
        .filter(|t| {
            !matches!(
                *t,
                "trans_a=false"
                    | "trans_b=false"
                    | "broadcast_a=false"
                    | "broadcast_b=false"
                    | "alpha=1"
                    | "beta=0"
                    | "batch=1"
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn draw_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Format {
        path: path.display().to_string(),
        msg: format!("drawing the chart failed: {e}"),
    }
}

const FONT: &str = "sans-serif";

/// A horizontal bar chart: one labelled row per entry of `labels`, `values[i]` a list of
/// (value, colour) bars within row `i` (several for a grouped chart).
struct HBars<'a> {
    title: &'a str,
    x_desc: &'a str,
    labels: &'a [String],
    values: &'a [Vec<(f64, RGBColor)>],
    value_fmt: &'a dyn Fn(f64) -> String,
    reference_line: Option<f64>,
    legend: &'a [(String, RGBColor)],
}

/// Draws [`HBars`]; the row labels go left of the plot.
fn hbar_chart(path: &Path, c: HBars<'_>) -> Result<()> {
    let HBars {
        title,
        x_desc,
        labels,
        values,
        value_fmt,
        reference_line,
        legend,
    } = c;
    let n = labels.len().max(1);
    let per_row = values.iter().map(|v| v.len()).max().unwrap_or(1).max(1);
    let row_h = 8 + 14 * per_row as u32;
    let label_w =
        (labels.iter().map(|l| l.chars().count()).max().unwrap_or(10) as u32 * 7 + 20).min(640);
    let legend_h = if legend.is_empty() {
        0
    } else {
        20 * legend.len() as u32 + 10
    };
    let (w, h) = (label_w + 620, 90 + legend_h + row_h * n as u32);
    let xmax = values
        .iter()
        .flatten()
        .map(|v| v.0)
        .chain(reference_line)
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max)
        .max(1e-9)
        * 1.15;
    let root = SVGBackend::new(path, (w, h)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| draw_err(path, e))?;
    let (top, bottom) = root.split_vertically(h - legend_h);
    let mut chart = ChartBuilder::on(&top)
        .caption(title, (FONT, 18))
        .margin(10)
        .margin_left(label_w)
        .x_label_area_size(40)
        .build_cartesian_2d(0f64..xmax, 0f64..n as f64)
        .map_err(|e| draw_err(path, e))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .disable_y_axis()
        .y_labels(0)
        .x_desc(x_desc)
        .label_style((FONT, 12))
        .draw()
        .map_err(|e| draw_err(path, e))?;
    let label_style =
        TextStyle::from((FONT, 12).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
    let value_style =
        TextStyle::from((FONT, 11).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    for (i, (label, bars)) in labels.iter().zip(values).enumerate() {
        // Row 0 at the top.
        let y0 = (n - 1 - i) as f64;
        let (px, py) = chart.backend_coord(&(0.0, y0 + 0.5));
        root.draw(&Text::new(label.clone(), (px - 6, py), label_style.clone()))
            .map_err(|e| draw_err(path, e))?;
        let bh = 0.8 / bars.len().max(1) as f64;
        for (j, &(v, color)) in bars.iter().enumerate() {
            let (lo, hi) = (y0 + 0.9 - (j + 1) as f64 * bh, y0 + 0.9 - j as f64 * bh);
            if !v.is_finite() {
                continue;
            }
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, lo), (v, hi)],
                    color.filled(),
                )))
                .map_err(|e| draw_err(path, e))?;
            let (vx, vy) = chart.backend_coord(&(v, (lo + hi) / 2.0));
            root.draw(&Text::new(value_fmt(v), (vx + 4, vy), value_style.clone()))
                .map_err(|e| draw_err(path, e))?;
        }
    }
    if let Some(x) = reference_line {
        chart
            .draw_series(LineSeries::new(
                [(x, 0.0), (x, n as f64)],
                BLACK.stroke_width(1),
            ))
            .map_err(|e| draw_err(path, e))?;
    }
    for (i, (name, color)) in legend.iter().enumerate() {
        let y = 5 + 20 * i as i32;
        bottom
            .draw(&Rectangle::new(
                [(label_w as i32, y), (label_w as i32 + 14, y + 14)],
                color.filled(),
            ))
            .map_err(|e| draw_err(path, e))?;
        bottom
            .draw(&Text::new(
                name.clone(),
                (label_w as i32 + 20, y + 7),
                value_style.clone(),
            ))
            .map_err(|e| draw_err(path, e))?;
    }
    root.present().map_err(|e| draw_err(path, e))?;
    Ok(())
}

fn palette(i: usize) -> RGBColor {
    const C: [RGBColor; 8] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
    ];
    C[i % C.len()]
}

/// Bar chart of each result's share of its roof ([`super::roofline`]), coloured by op.
pub fn efficiency_chart(report: &BenchReport, path: &Path) -> Result<()> {
    let rows: Vec<&BenchResult> = report
        .results
        .iter()
        .filter(|r| r.pct_of_roof.is_some())
        .collect();
    let mut ops: Vec<&str> = Vec::new();
    for r in &rows {
        if !ops.contains(&r.op.as_str()) {
            ops.push(&r.op);
        }
    }
    let labels: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {} [{}]",
                r.op,
                role(r),
                r.dtype,
                shape_text(&r.shape),
                r.config
            )
        })
        .collect();
    let values: Vec<Vec<(f64, RGBColor)>> = rows
        .iter()
        .map(|r| {
            let c = palette(ops.iter().position(|o| *o == r.op).unwrap_or(0));
            vec![(r.pct_of_roof.unwrap_or(0.0), c)]
        })
        .collect();
    let legend: Vec<(String, RGBColor)> = ops
        .iter()
        .enumerate()
        .map(|(i, o)| (o.to_string(), palette(i)))
        .collect();
    hbar_chart(
        path,
        HBars {
            title: &format!(
                "Efficiency on {} ({}): % of roof",
                report.adapter.name, report.adapter.backend
            ),
            x_desc: "% of roof: min(FMA peak, copy bandwidth × intensity)",
            labels: &labels,
            values: &values,
            value_fmt: &|v| format!("{v:.1}%"),
            reference_line: None,
            legend: &legend,
        },
    )
}

/// Line chart of one [`Curve`]: median time against the varying dimension, log axes where the
/// values span a wide range.
pub fn curve_chart(curve: &Curve, adapter: &str, path: &Path) -> Result<()> {
    let xs = curve
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0));
    let ys = curve
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1));
    let (xmin, xmax) = xs.fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(x), b.max(x)));
    let (ymin, ymax) = ys.fold((f64::MAX, f64::MIN), |(a, b), y| (a.min(y), b.max(y)));
    let root = SVGBackend::new(path, (860, 520)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| draw_err(path, e))?;
    let title = format!("{}: time vs {} on {adapter}", curve.op, curve.x_name);
    let mut builder = ChartBuilder::on(&root);
    builder
        .caption(title, (FONT, 18))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(70);
    // A wide x range is drawn on a log2 axis: x is plotted as log2(x), labelled with the
    // powers of two themselves (sizes are usually powers of two; plotters' log axis labels
    // only powers of ten).
    let log_x = xmin > 0.0 && xmax / xmin >= 4.0;
    let log_y = ymin > 0.0 && ymax / ymin >= 10.0;
    let fx = |x: f64| if log_x { x.log2() } else { x };
    let (x0, x1) = if log_x {
        (xmin.log2() - 0.25, xmax.log2() + 0.25)
    } else {
        pad(xmin, xmax)
    };
    let x_label = move |v: &f64| -> String {
        if !log_x {
            return format!("{v}");
        }
        if (v - v.round()).abs() < 1e-6 {
            format!("{}", 2f64.powf(v.round()))
        } else {
            String::new()
        }
    };
    let (y0, y1) = if log_y {
        (ymin / 1.5, ymax * 1.5)
    } else {
        (0.0, pad(ymin, ymax).1)
    };
    macro_rules! draw {
        ($chart:expr) => {{
            let mut chart = $chart.map_err(|e| draw_err(path, e))?;
            chart
                .configure_mesh()
                .x_desc(if log_x {
                    format!("{} (log scale)", curve.x_name)
                } else {
                    curve.x_name.clone()
                })
                .x_label_formatter(&x_label)
                .y_desc("median time, ms")
                .label_style((FONT, 12))
                .draw()
                .map_err(|e| draw_err(path, e))?;
            for (i, s) in curve.series.iter().enumerate() {
                let color = palette(i);
                chart
                    .draw_series(LineSeries::new(
                        s.points.iter().map(|&(x, y)| (fx(x), y)),
                        color.stroke_width(2),
                    ))
                    .map_err(|e| draw_err(path, e))?
                    .label(s.label.clone())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                    });
                chart
                    .draw_series(
                        s.points
                            .iter()
                            .map(|&(x, y)| Circle::new((fx(x), y), 4, color.filled())),
                    )
                    .map_err(|e| draw_err(path, e))?;
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .label_font((FONT, 12))
                .draw()
                .map_err(|e| draw_err(path, e))?;
        }};
    }
    if log_y {
        draw!(builder.build_cartesian_2d(x0..x1, (y0..y1).log_scale()))
    } else {
        draw!(builder.build_cartesian_2d(x0..x1, y0..y1))
    }
    root.present().map_err(|e| draw_err(path, e))?;
    Ok(())
}

fn pad(lo: f64, hi: f64) -> (f64, f64) {
    let span = (hi - lo).abs().max(hi.abs() * 0.1).max(1e-9);
    (lo - 0.05 * span, hi + 0.1 * span)
}

fn file_stem_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '=' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Writes every chart of `report` into `dir` as `<stem>-efficiency.svg` and
/// `<stem>-<op>-time-vs-<dim>.svg`; returns them in order.
pub fn write_report_charts(report: &BenchReport, dir: &Path, stem: &str) -> Result<Vec<ChartFile>> {
    let mut out = Vec::new();
    if report.results.iter().any(|r| r.intensity.is_some()) {
        let path = dir.join(format!("{stem}-roofline.svg"));
        roofline_chart(
            &format!(
                "Roofline on {} ({})",
                report.adapter.name, report.adapter.backend
            ),
            &[RoofSet::of(report, report.adapter.name.clone())],
            &path,
        )?;
        out.push(ChartFile {
            path,
            title: "Roofline: measured roofs and every row".into(),
        });
    }
    if report.results.iter().any(|r| r.pct_of_roof.is_some()) {
        let path = dir.join(format!("{stem}-efficiency.svg"));
        efficiency_chart(report, &path)?;
        out.push(ChartFile {
            path,
            title: "Efficiency: % of roof".into(),
        });
    }
    for c in curves(&report.results) {
        let path = dir.join(format!(
            "{stem}-{}-time-vs-{}.svg",
            file_stem_safe(&c.op),
            file_stem_safe(&c.x_name)
        ));
        curve_chart(&c, &report.adapter.name, &path)?;
        out.push(ChartFile {
            path,
            title: format!("{}: time vs {}", c.op, c.x_name),
        });
    }
    Ok(out)
}

/// The `compare` chart: per row, every adapter's speed relative to the first report
/// (time of the first ÷ time of this one; > 1 is faster), a line at 1.
pub fn compare_chart(cmp: &Comparison, path: &Path) -> Result<()> {
    let rows: Vec<_> = cmp
        .rows
        .iter()
        .filter(|r| r.cells.iter().filter(|c| c.is_some()).count() >= 2)
        .collect();
    let labels: Vec<String> = rows.iter().map(|r| r.label()).collect();
    let values: Vec<Vec<(f64, RGBColor)>> = rows
        .iter()
        .map(|r| {
            (0..cmp.adapters.len())
                .map(|j| (r.speed_vs_first(j).unwrap_or(f64::NAN), palette(j)))
                .collect()
        })
        .collect();
    let legend: Vec<(String, RGBColor)> = cmp
        .adapters
        .iter()
        .enumerate()
        .map(|(j, a)| (format!("{}: {a}", super::compare::letter(j)), palette(j)))
        .collect();
    hbar_chart(
        path,
        HBars {
            title: "Speed relative to report A (A's time ÷ this time; > 1 is faster)",
            x_desc: "relative speed",
            labels: &labels,
            values: &values,
            value_fmt: &|v| format!("{v:.2}×"),
            reference_line: Some(1.0),
            legend: &legend,
        },
    )
}

/// One adapter on a roofline chart: its two measured roofs and its rows as points.
pub struct RoofSet {
    /// Legend text.
    pub name: String,
    /// f32 FMA peak, GFLOP/s.
    pub fma_f32: f64,
    /// f16 FMA peak, GFLOP/s, where measured.
    pub fma_f16: Option<f64>,
    /// Copy-kernel bandwidth, GB/s.
    pub copy_gbps: f64,
    /// (intensity FLOP/B, achieved GFLOP/s, op, label) per row.
    pub points: Vec<(f64, f64, String, String)>,
}

impl RoofSet {
    /// The set of one report: every row with work and a time.
    pub fn of(report: &BenchReport, name: String) -> Self {
        let points = report
            .results
            .iter()
            .filter_map(|r| {
                let w = r.work?;
                let x = r.intensity?;
                let y = super::roofline::achieved_gflops(&w, r.median_ms);
                (x > 0.0 && y > 0.0).then(|| {
                    (
                        x,
                        y,
                        r.op.clone(),
                        shorten_label(&format!("{} {} {}", r.op, r.variant, shape_text(&r.shape))),
                    )
                })
            })
            .collect();
        Self {
            name,
            fma_f32: report.peaks.fma_f32_gflops,
            fma_f16: report.peaks.fma_f16_gflops,
            copy_gbps: report.peaks.copy_gbps,
            points,
        }
    }
}

/// A roofline chart (log-log: FLOP per byte against GFLOP/s): each set's roofs
/// `min(P, B·I)` as lines (f32 solid, f16 thin) and its rows as points, coloured per set when
/// there are several (else per op), marker per op, each distinct label written once.
pub fn roofline_chart(title: &str, sets: &[RoofSet], path: &Path) -> Result<()> {
    let pts = sets.iter().flat_map(|s| s.points.iter());
    let (mut xmin, mut xmax, mut ymin, mut ymax) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for p in pts {
        (xmin, xmax) = (xmin.min(p.0), xmax.max(p.0));
        (ymin, ymax) = (ymin.min(p.1), ymax.max(p.1));
    }
    for s in sets {
        let top = s.fma_f16.unwrap_or(0.0).max(s.fma_f32);
        let ridge = s.fma_f32 / s.copy_gbps;
        (xmin, xmax) = (xmin.min(ridge), xmax.max(ridge));
        ymax = ymax.max(top);
        ymin = ymin.min(s.copy_gbps * xmin.min(ridge));
    }
    if !(xmin > 0.0 && ymin > 0.0 && xmax.is_finite() && ymax.is_finite()) {
        (xmin, xmax, ymin, ymax) = (0.1, 100.0, 0.1, 100.0);
    }
    let (x0, x1, y0, y1) = (xmin / 3.0, xmax * 3.0, ymin / 3.0, ymax * 3.0);
    let mut ops: Vec<&str> = Vec::new();
    for p in sets.iter().flat_map(|s| s.points.iter()) {
        if !ops.contains(&p.2.as_str()) {
            ops.push(&p.2);
        }
    }
    let root = SVGBackend::new(path, (1000, 680)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| draw_err(path, e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONT, 18))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
        .map_err(|e| draw_err(path, e))?;
    chart
        .configure_mesh()
        .x_desc("arithmetic intensity, FLOP per byte (log)")
        .y_desc("GFLOP/s (log)")
        .light_line_style(WHITE)
        .label_style((FONT, 12))
        .draw()
        .map_err(|e| draw_err(path, e))?;
    let several = sets.len() > 1;
    let roof_line = |p: f64, b: f64| {
        let ridge = p / b;
        let mut v = vec![(x0, (b * x0).min(p))];
        if ridge > x0 && ridge < x1 {
            v.push((ridge, p));
        }
        v.push((x1, (b * x1).min(p)));
        v
    };
    for (j, s) in sets.iter().enumerate() {
        let color = if several { palette(j) } else { BLACK };
        chart
            .draw_series(LineSeries::new(
                roof_line(s.fma_f32, s.copy_gbps),
                color.stroke_width(2),
            ))
            .map_err(|e| draw_err(path, e))?
            .label(format!(
                "{}: roof f32 ({:.1} GFLOP/s, {:.1} GB/s)",
                s.name, s.fma_f32, s.copy_gbps
            ))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
            });
        if let Some(h) = s.fma_f16 {
            chart
                .draw_series(LineSeries::new(
                    roof_line(h, s.copy_gbps),
                    color.mix(0.5).stroke_width(1),
                ))
                .map_err(|e| draw_err(path, e))?
                .label(format!("{}: roof f16 ({h:.1} GFLOP/s)", s.name))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.mix(0.5).stroke_width(1))
                });
        }
    }
    let mut labelled: Vec<&str> = Vec::new();
    for (j, s) in sets.iter().enumerate() {
        for (x, y, op, label) in &s.points {
            let k = ops.iter().position(|o| o == op).unwrap_or(0);
            let color = palette(if several { j } else { k });
            let at = (*x, *y);
            match k % 3 {
                0 => chart.draw_series(std::iter::once(Circle::new(at, 4, color.filled()))),
                1 => chart.draw_series(std::iter::once(TriangleMarker::new(at, 5, color.filled()))),
                _ => chart.draw_series(std::iter::once(Cross::new(at, 4, color.stroke_width(2)))),
            }
            .map_err(|e| draw_err(path, e))?;
            if !labelled.contains(&label.as_str()) {
                labelled.push(label);
                chart
                    .draw_series(std::iter::once(Text::new(
                        label.clone(),
                        at,
                        (FONT, 10).into_font().color(&color.mix(0.9)),
                    )))
                    .map_err(|e| draw_err(path, e))?;
            }
        }
    }
    if !several {
        for (k, op) in ops.iter().enumerate() {
            let color = palette(k);
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
                .map_err(|e| draw_err(path, e))?
                .label(op.to_string())
                .legend(move |(x, y)| Circle::new((x + 9, y), 4, color.filled()));
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT, 12))
        .draw()
        .map_err(|e| draw_err(path, e))?;
    root.present().map_err(|e| draw_err(path, e))?;
    Ok(())
}

/// The `compare` roofline: every report's roofs and rows on one chart, one colour per report.
pub fn compare_roofline_chart(reports: &[BenchReport], path: &Path) -> Result<()> {
    let sets: Vec<RoofSet> = reports
        .iter()
        .enumerate()
        .map(|(j, r)| {
            RoofSet::of(
                r,
                format!(
                    "{}: {} ({})",
                    super::compare::letter(j),
                    r.adapter.name,
                    r.adapter.backend
                ),
            )
        })
        .collect();
    roofline_chart("Roofline: every report", &sets, path)
}
