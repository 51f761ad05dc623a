//! What the page draws, as plain data: an op describes its figures and timings with these types
//! and the page's generic renderers (heat map, line plot, bar chart) draw them, so a new op
//! needs no JavaScript.

use serde::Serialize;

/// How a heat map maps values to colours.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Palette {
    /// Signed data: blue below zero, red above, white at zero (symmetric around 0).
    Diverging,
    /// Non-negative magnitudes (errors): white at 0 to dark at the maximum.
    Magnitude,
    /// Masks and patterns: 0 = empty (light), 1 = set (dark); values in between shade.
    Mask,
}

/// One figure of the See section.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Figure {
    /// A matrix as coloured cells (attention block masks, 2:4 patterns, GEMM outputs).
    Heatmap {
        /// Title above it.
        title: String,
        /// Rows.
        rows: usize,
        /// Columns.
        cols: usize,
        /// Row-major values, `rows × cols`.
        values: Vec<f32>,
        /// Colour mapping.
        palette: Palette,
        /// Label of the vertical axis (rows).
        y_label: String,
        /// Label of the horizontal axis (columns).
        x_label: String,
        /// One line under it: what it shows, sizes, errors.
        caption: String,
    },
    /// Curves over a common index (FFT-convolution input, kernel and output; a GEMM row).
    Lines {
        /// Title above it.
        title: String,
        /// The curves.
        series: Vec<Series>,
        /// Label of the horizontal axis.
        x_label: String,
        /// One line under it.
        caption: String,
    },
}

/// One curve of a [`Figure::Lines`].
#[derive(Clone, Debug, Serialize)]
pub struct Series {
    /// Legend text.
    pub name: String,
    /// Values at x = 0, 1, 2, ...
    pub values: Vec<f32>,
    /// Drawn dashed (references drawn over GPU results).
    pub dashed: bool,
}

/// One bar of the Measure chart: an op at one size.
#[derive(Clone, Debug, Serialize)]
pub struct Bar {
    /// Op name.
    pub op: String,
    /// Size label, e.g. `256³`.
    pub label: String,
    /// Configuration the dispatcher picked.
    pub config: String,
    /// Median time, ms.
    pub median_ms: f64,
    /// Throughput figure shown beside the bar, e.g. `12.3 GFLOP/s`.
    pub rate: String,
    /// `gpu` (timestamp queries) or `wall` (performance.now()).
    pub timing: String,
    /// Error text when this size could not run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The report row of this bar (the page's JSON report collects them; not drawn).
    #[serde(skip)]
    pub row: Option<wgkernels::report::BenchResult>,
}

/// Shortens a signal to at most `max` points by taking every k-th one (plots need no more
/// points than pixels).
pub fn decimate(values: &[f64], max: usize) -> Vec<f32> {
    let step = values.len().div_ceil(max.max(1)).max(1);
    values.iter().step_by(step).map(|&v| v as f32).collect()
}
