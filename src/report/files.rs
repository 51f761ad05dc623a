//! The report as files people paste and open: CSV (one line per result, for spreadsheets and
//! diffs) and a single self-contained HTML page (the tables and the SVG charts inline, no
//! script, nothing fetched from the network).

use super::{shape_text, BenchReport, BenchResult};

/// The CSV columns, in order.
pub const CSV_COLUMNS: &[&str] = &[
    "adapter",
    "backend",
    "op",
    "variant",
    "dtype",
    "shape",
    "median_ms",
    "samples",
    "min_ms",
    "max_ms",
    "spread_pct",
    "gflops",
    "gbps",
    "flops",
    "bytes",
    "intensity",
    "roof_gflops",
    "bound",
    "pct_of_roof",
    "pct_of_peak",
    "config",
    "config_source",
    "rel_l2_err",
    "timing",
    "note",
];

/// Quotes a CSV field where it needs it (RFC 4180: a comma, quote or line break).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A number in full precision (Rust's shortest round-trip form), empty for none or NaN.
fn num(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v}"),
        _ => String::new(),
    }
}

fn csv_row(report: &BenchReport, r: &BenchResult) -> Vec<String> {
    let sp = r.spread();
    vec![
        report.adapter.name.clone(),
        report.adapter.backend.clone(),
        r.op.clone(),
        r.variant.clone(),
        r.dtype.to_string(),
        shape_text(&r.shape),
        num(Some(r.median_ms)),
        sp.map_or(String::new(), |s| s.samples.to_string()),
        num(sp.map(|s| s.min_ms)),
        num(sp.map(|s| s.max_ms)),
        num(sp.map(|s| s.pct())),
        num(r.gflops),
        num(r.gbps),
        num(r.work.map(|w| w.flops)),
        num(r.work.map(|w| w.bytes)),
        num(r.intensity),
        num(r.roof_gflops),
        r.bound
            .map_or(String::new(), |b| format!("{b:?}").to_lowercase()),
        num(r.pct_of_roof),
        num(r.pct_of_peak),
        r.config.clone(),
        r.config_source.clone(),
        num(Some(r.rel_l2_err)),
        r.timing.clone(),
        r.note.clone(),
    ]
}

impl BenchReport {
    /// CSV: a header of [`CSV_COLUMNS`], then one line per result.
    pub fn to_csv(&self) -> String {
        let mut s = CSV_COLUMNS.join(",");
        s.push('\n');
        for r in &self.results {
            let fields: Vec<String> = csv_row(self, r).iter().map(|f| csv_field(f)).collect();
            s += &fields.join(",");
            s.push('\n');
        }
        s
    }
}

/// Parses CSV text (RFC 4180: quoted fields, doubled quotes, line breaks inside quotes) into
/// records of fields; a trailing line break ends the last record.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

/// Escapes text for HTML.
pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Turns the pipe tables, headings and paragraphs of the report's Markdown into HTML (the subset
/// [`BenchReport::to_markdown_with`] writes: `#`/`##` headings, `|` tables, `**bold**`,
/// `` `code` ``, paragraphs), so the page and the Markdown never say different things.
pub fn markdown_to_html(md: &str) -> String {
    let inline = |s: &str| {
        let mut out = String::new();
        let (mut bold, mut code) = (false, false);
        let e = html_escape(s);
        let mut rest = e.as_str();
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix("**") {
                out += if bold { "</b>" } else { "<b>" };
                bold = !bold;
                rest = r;
            } else if let Some(r) = rest.strip_prefix('`') {
                out += if code { "</code>" } else { "<code>" };
                code = !code;
                rest = r;
            } else {
                let c = rest.chars().next().unwrap_or_default();
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        if code {
            out += "</code>";
        }
        if bold {
            out += "</b>";
        }
        out
    };
    let cells = |l: &str| -> Vec<String> {
        l.trim()
            .trim_start_matches('|')
            .trim_end_matches('|')
            .split('|')
            .map(|c| c.trim().to_string())
            .collect()
    };
    let mut html = String::new();
    let lines: Vec<&str> = md.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        if let Some(h) = l.strip_prefix("## ") {
            html += &format!("<h2>{}</h2>\n", inline(h));
        } else if let Some(h) = l.strip_prefix("# ") {
            html += &format!("<h1>{}</h1>\n", inline(h));
        } else if l.starts_with('|') {
            let head = cells(l);
            // The alignment row: `---:` right-aligns a column.
            let align: Vec<bool> = lines
                .get(i + 1)
                .map(|a| cells(a).iter().map(|c| c.ends_with(':')).collect())
                .unwrap_or_default();
            html += "<table>\n<tr>";
            for h in &head {
                html += &format!("<th>{}</th>", inline(h));
            }
            html += "</tr>\n";
            i += 2;
            while i < lines.len() && lines[i].starts_with('|') {
                html += "<tr>";
                for (j, c) in cells(lines[i]).iter().enumerate() {
                    let class = if align.get(j).copied().unwrap_or(false) {
                        " class=\"n\""
                    } else {
                        ""
                    };
                    let warn = if c.starts_with('⚠') {
                        " style=\"background:#fde2c8\""
                    } else {
                        ""
                    };
                    html += &format!("<td{class}{warn}>{}</td>", inline(c));
                }
                html += "</tr>\n";
                i += 1;
            }
            html += "</table>\n";
            continue;
        } else if l.starts_with("![") {
            // Chart links of the Markdown: the page inlines the charts instead.
        } else if !l.trim().is_empty() {
            html += &format!("<p>{}</p>\n", inline(l));
        }
        i += 1;
    }
    html
}

/// A complete HTML page: `title`, the body made from `markdown` ([`markdown_to_html`]), then
/// each `(title, svg)` chart inline. No script and no external resource.
pub fn html_page(title: &str, markdown: &str, charts: &[(String, String)]) -> String {
    let mut s = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>\n\
         body {{ font-family: sans-serif; margin: 2em; color: #222; }}\n\
         table {{ border-collapse: collapse; margin: 1em 0; font-size: 13px; }}\n\
         th, td {{ border: 1px solid #ccc; padding: 3px 6px; text-align: left; }}\n\
         th {{ background: #f0f0f0; }}\n td.n {{ text-align: right; font-variant-numeric: tabular-nums; }}\n\
         code {{ font-size: 12px; }}\n figure {{ margin: 1.5em 0; }}\n svg {{ max-width: 100%; height: auto; }}\n\
         </style>\n</head>\n<body>\n",
        html_escape(title)
    );
    s += &markdown_to_html(markdown);
    if !charts.is_empty() {
        s += "<h2>Charts</h2>\n";
        for (t, svg) in charts {
            // The SVG as plotters writes it, without an XML declaration (not allowed inline).
            let body = match svg.find("<svg") {
                Some(at) => &svg[at..],
                None => svg.as_str(),
            };
            s += &format!(
                "<figure>\n<figcaption>{}</figcaption>\n{body}\n</figure>\n",
                html_escape(t)
            );
        }
    }
    s += "</body>\n</html>\n";
    s
}

impl BenchReport {
    /// The self-contained HTML page of the report: what [`BenchReport::to_markdown_with`] says
    /// (with `tuning`), then `charts` (`(title, svg text)`) inline.
    pub fn to_html(&self, charts: &[(String, String)], tuning: Option<&str>) -> String {
        let title = format!("wgkernels report — {}", self.adapter.name);
        html_page(&title, &self.to_markdown_with(&[], tuning), charts)
    }
}
