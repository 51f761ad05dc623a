//! `wgkernels compare`: several reports side by side (table and chart).

use crate::*;

pub(crate) fn compare(
    files: &[PathBuf],
    md: Option<&Path>,
    svg: Option<&Path>,
) -> Result<(), Error> {
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
    let svg_path = svg
        .map(Path::to_path_buf)
        .or_else(|| md.map(|m| m.with_extension("svg")));
    if let Some(p) = &svg_path {
        wgkernels::report::charts::compare_chart(&cmp, p)?;
        println!("wrote {}", p.display());
    }
    if let Some(m) = md {
        let link = svg_path.as_ref().map(|p| match (p.parent(), m.parent()) {
            (Some(a), Some(b)) if a == b => p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            _ => p.display().to_string(),
        });
        std::fs::write(m, cmp.to_markdown(link.as_deref())).map_err(|source| Error::Io {
            path: m.display().to_string(),
            source,
        })?;
        println!("wrote {}", m.display());
    }
    Ok(())
}
