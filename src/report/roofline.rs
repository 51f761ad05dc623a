//! The roofline of a report: what bounds each row on its adapter, how close the row gets, and
//! the scores people rank adapters by.
//!
//! Each op counts its own work once, from its definition, beside its bench cases
//! (`ops/<op>/work.rs`, the `*_work` functions, whose docs state the rule): the floating-point
//! operations the op's definition does and the bytes it must move at least (every input read
//! once, every output written once). The ratio is the row's arithmetic intensity `I` (FLOP per
//! byte). On an adapter with measured FMA peak `P` (GFLOP/s; the f16 peak where the row's
//! arithmetic runs on f16 cooperative matrices) and measured copy-kernel bandwidth `B` (GB/s,
//! read + write), the roof of the row is `min(P, B·I)`, and the row reaches
//! `achieved / roof` of it, with `achieved = flops / median time`. Both peaks come from
//! [`crate::probe`], measured on the same adapter in the same run.
//!
//! Scores: per op, the geometric mean of its rows' % of roof (a geometric mean, so one very
//! good or very bad row does not decide it and a 2× gain anywhere counts alike); the overall
//! score is the geometric mean of the op scores, so an op with many rows weighs no more than
//! one with few.

use super::{BenchReport, BenchResult};
use crate::probe::Peaks;
use serde::{Deserialize, Serialize};

/// The work of one row, counted from the op's definition (not from what a kernel happens to do).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct Work {
    /// Floating-point operations (a multiply-add counts 2).
    pub flops: f64,
    /// Bytes that must cross memory at least: inputs read once, outputs written once.
    pub bytes: f64,
    /// The arithmetic runs on f16 (cooperative matrices): the f16 FMA peak bounds it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub f16_math: bool,
}

impl Work {
    /// Arithmetic intensity, FLOP per byte.
    pub fn intensity(&self) -> f64 {
        self.flops / self.bytes
    }
}

/// Which of the two measured roofs bounds a row.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Bound {
    /// The FMA peak (`P ≤ B·I`).
    Compute,
    /// Bandwidth × intensity (`B·I < P`).
    Memory,
}

/// The roof of one row on one adapter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Roof {
    /// FLOP per byte.
    pub intensity: f64,
    /// `min(P, B·I)`, GFLOP/s.
    pub gflops: f64,
    /// Which term is the minimum.
    pub bound: Bound,
}

/// The FMA peak that bounds `work` on an adapter with `peaks`: f16 where its arithmetic is f16
/// and the adapter measured one, else f32.
pub fn fma_peak(work: &Work, peaks: &Peaks) -> f64 {
    match peaks.fma_f16_gflops {
        Some(h) if work.f16_math => h,
        _ => peaks.fma_f32_gflops,
    }
}

/// The roof of `work` under `peaks`: `min(P, B·I)`.
pub fn roof(work: &Work, peaks: &Peaks) -> Roof {
    let intensity = work.intensity();
    let compute = fma_peak(work, peaks);
    let memory = peaks.copy_gbps * intensity;
    if compute <= memory {
        Roof {
            intensity,
            gflops: compute,
            bound: Bound::Compute,
        }
    } else {
        Roof {
            intensity,
            gflops: memory,
            bound: Bound::Memory,
        }
    }
}

/// GFLOP/s of `work` done in `median_ms`.
pub fn achieved_gflops(work: &Work, median_ms: f64) -> f64 {
    work.flops / (median_ms * 1e-3) / 1e9
}

/// Sets the roofline fields of `r` (`intensity`, `roof_gflops`, `bound`, `pct_of_roof`) from
/// its work and `peaks`; clears them where the row has no work or no valid time.
pub fn apply(r: &mut BenchResult, peaks: &Peaks) {
    r.intensity = None;
    r.roof_gflops = None;
    r.bound = None;
    r.pct_of_roof = None;
    let Some(w) = r.work else { return };
    if !(w.flops > 0.0 && w.bytes > 0.0 && r.median_ms > 0.0) {
        return;
    }
    let roof = roof(&w, peaks);
    r.intensity = Some(roof.intensity);
    r.roof_gflops = Some(roof.gflops);
    r.bound = Some(roof.bound);
    r.pct_of_roof = Some(100.0 * achieved_gflops(&w, r.median_ms) / roof.gflops);
}

/// Geometric mean of positive values (`None` for none).
pub fn geomean(xs: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (mut sum, mut n) = (0.0, 0usize);
    for x in xs.into_iter().filter(|x| *x > 0.0 && x.is_finite()) {
        sum += x.ln();
        n += 1;
    }
    (n > 0).then(|| (sum / n as f64).exp())
}

/// One op's score: the geometric mean of its rows' % of roof.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OpScore {
    /// Op name.
    pub op: String,
    /// Geometric mean of % of roof, percent.
    pub score: f64,
    /// Rows it is over.
    pub rows: usize,
}

/// The scores of a report: one per op (in first-seen order) and the overall one.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Scores {
    /// Per op.
    pub ops: Vec<OpScore>,
    /// Geometric mean of the op scores, percent (`None` without any).
    pub overall: Option<f64>,
}

impl Scores {
    /// The score of `op`, if the report has rows of it.
    pub fn of(&self, op: &str) -> Option<f64> {
        self.ops.iter().find(|s| s.op == op).map(|s| s.score)
    }
}

/// Scores over `results` (rows without a % of roof do not count).
pub fn scores(results: &[BenchResult]) -> Scores {
    let mut ops: Vec<OpScore> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for r in results {
        if !seen.contains(&r.op.as_str()) {
            seen.push(&r.op);
        }
    }
    for op in seen {
        let pcts: Vec<f64> = results
            .iter()
            .filter(|r| r.op == op)
            .filter_map(|r| r.pct_of_roof)
            .collect();
        if let Some(score) = geomean(pcts.iter().copied()) {
            ops.push(OpScore {
                op: op.to_string(),
                score,
                rows: pcts.len(),
            });
        }
    }
    let overall = geomean(ops.iter().map(|s| s.score));
    Scores { ops, overall }
}

impl BenchReport {
    /// Recomputes every row's roofline fields from its work and the report's peaks, and the
    /// scores (what `bench` does before writing; `compare` does it on load, so a report edited
    /// by hand cannot carry figures its own numbers do not give).
    pub fn apply_roofline(&mut self) {
        let peaks = self.peaks;
        for r in &mut self.results {
            apply(r, &peaks);
        }
        self.scores = scores(&self.results);
    }
}
