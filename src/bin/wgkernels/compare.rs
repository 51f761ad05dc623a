//! `wgkernels compare`: several reports side by side, ranked by score (table and charts).

use crate::*;

/// The files `compare` writes besides the terminal table.
pub(crate) struct CompareOut<'a> {
    pub(crate) md: Option<&'a Path>,
    pub(crate) svg: Option<&'a Path>,
    pub(crate) roofline: Option<&'a Path>,
    pub(crate) html: Option<&'a Path>,
}

pub(crate) fn compare(files: &[PathBuf], out: CompareOut<'_>) -> Result<(), Error> {
    use wgkernels::report::compare::{compare_reports, load_report};
    if files.len() < 2 {
        return Err(Error::Shape(format!(
            "compare needs at least two report files; got {}",
            files.len()
        )));
    }
    let reports = files
        .iter()
        .map(|f| load_report(f))
        .collect::<Result<Vec<_>, _>>()?;
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let cmp = compare_reports(&reports, &names);
    if reports.iter().any(|r| r.version != reports[0].version) {
        eprintln!("warning: the reports come from different wgkernels versions: shapes and configs may not line up");
    }
    print!("{}", cmp.to_text());
    if cmp.shared_rows() == 0 {
        eprintln!("warning: no result appears in more than one report: nothing to take ratios of");
    }
    // Charts default to files next to the Markdown (or the HTML page).
    let anchor = out.md.or(out.html);
    let beside = |suffix: &str| {
        anchor.map(|a| {
            let stem = a.file_stem().and_then(|s| s.to_str()).unwrap_or("compare");
            a.with_file_name(format!("{stem}{suffix}"))
        })
    };
    let svg_path = out.svg.map(Path::to_path_buf).or_else(|| beside(".svg"));
    let roof_path = out
        .roofline
        .map(Path::to_path_buf)
        .or_else(|| beside("-roofline.svg"));
    let mut charts: Vec<(PathBuf, String)> = Vec::new();
    if let Some(p) = &roof_path {
        wgkernels::report::charts::compare_roofline_chart(&reports, p)?;
        charts.push((p.clone(), "Roofline: every report's roofs and rows".into()));
    }
    if let Some(p) = &svg_path {
        wgkernels::report::charts::compare_chart(&cmp, p)?;
        charts.push((p.clone(), "Speed relative to A".into()));
    }
    for (p, _) in &charts {
        println!("wrote {}", p.display());
    }
    if let Some(m) = out.md {
        let links: Vec<(String, String)> = charts
            .iter()
            .map(|(p, t)| (relative_to(p, m), t.clone()))
            .collect();
        write_text(m, &cmp.to_markdown(&links))?;
    }
    if let Some(h) = out.html {
        let inline = read_charts(&charts)?;
        let page = wgkernels::report::files::html_page(
            "wgkernels comparison",
            &cmp.to_markdown(&[]),
            &inline,
        );
        write_text(h, &page)?;
    }
    Ok(())
}

/// `p` as a link from the folder of `from`: its file name when both share a folder.
pub(crate) fn relative_to(p: &Path, from: &Path) -> String {
    match (p.parent(), from.parent()) {
        (Some(a), Some(b)) if a == b => p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        _ => p.display().to_string(),
    }
}

/// The charts' SVG text with their titles, for inlining in an HTML page.
pub(crate) fn read_charts(charts: &[(PathBuf, String)]) -> Result<Vec<(String, String)>, Error> {
    charts
        .iter()
        .map(|(p, t)| {
            std::fs::read_to_string(p)
                .map(|svg| (t.clone(), svg))
                .map_err(|source| Error::Io {
                    path: p.display().to_string(),
                    source,
                })
        })
        .collect()
}

/// Writes `text` to `p` and says so.
pub(crate) fn write_text(p: &Path, text: &str) -> Result<(), Error> {
    std::fs::write(p, text).map_err(|source| Error::Io {
        path: p.display().to_string(),
        source,
    })?;
    println!("wrote {}", p.display());
    Ok(())
}
