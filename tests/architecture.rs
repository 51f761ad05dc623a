//! The layout ARCHITECTURE.md describes, checked on the source: dependencies between the
//! crate's modules run one way (no import cycle), and an op's name is written as a string only
//! in its own folder. Source analysis, no GPU.
//!
//! A *unit* is a top-level module of `src/` (`runtime`, `tune`, `harness`, `report`, ...) or
//! one op folder (`ops::gemm`, ...); a file depends on the units it names through `crate::`
//! or `super::` paths. Files inside one unit may refer to each other freely.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// `src/ops/gemm/tune.rs` → `["ops", "gemm", "tune"]`; `mod.rs` and `lib.rs` name their folder.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

fn unit_of(module: &[String]) -> String {
    match module {
        [first, op, ..] if first == "ops" => format!("ops::{op}"),
        [first, ..] => first.clone(),
        [] => String::new(),
    }
}

/// The path segments after each `crate::` / `super::…::` in `code` (comments stripped), made
/// absolute against `module` (a `mod.rs` or not: `is_dir`).
fn referenced_modules(code: &str, module: &[String], is_dir: bool) -> Vec<Vec<String>> {
    let code: String = code
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let ident = |s: &str| -> Vec<String> {
        s.split("::")
            .map(|seg| {
                seg.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect::<String>()
            })
            .take_while(|seg| !seg.is_empty())
            .collect()
    };
    let mut out = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        // `$crate::` inside a macro is the crate too; `wgkernels_crate::` is not.
        let before = code[..i].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        out.push(ident(&code[i + "crate::".len()..]));
    }
    for (i, _) in code.match_indices("super::") {
        let before = code[..i].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue; // counted with the first `super::` of the chain
        }
        let mut rest = &code[i..];
        // A file `a/b.rs` is module a::b; its `super` is `a`. A `mod.rs` is the folder itself.
        let mut base: Vec<String> = module.to_vec();
        if !is_dir || base.is_empty() {
            base.pop();
        }
        let mut first = true;
        while let Some(r) = rest.strip_prefix("super::") {
            if !first {
                base.pop();
            }
            first = false;
            rest = r;
        }
        if is_dir {
            base.pop();
        }
        base.extend(ident(rest));
        out.push(base);
    }
    out
}

#[test]
fn module_units_depend_on_each_other_without_a_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.retain(|f| !f.starts_with(src.join("bin")));
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let module = module_of(&src, f);
        let is_dir = f
            .file_name()
            .is_some_and(|n| n == "mod.rs" || n == "lib.rs");
        let from = unit_of(&module);
        let code = std::fs::read_to_string(f).unwrap();
        for path in referenced_modules(&code, &module, is_dir) {
            // The longest prefix of the path that is a module of the crate.
            let target = (1..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|p| modules.contains(p));
            if let Some(target) = target {
                let to = unit_of(&target);
                if !to.is_empty() && to != from {
                    graph.entry(from.clone()).or_default().insert(to);
                }
            }
        }
        graph.entry(from).or_default();
    }
    // The layers ARCHITECTURE.md names are all there (the analysis found the files).
    for unit in ["runtime", "tune", "harness", "ops", "ops::gemm", "report"] {
        assert!(graph.contains_key(unit), "no unit {unit}: {graph:?}");
    }
    // Depth-first search for a back edge.
    fn visit(
        u: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(u.into(), 1);
        stack.push(u.into());
        for v in graph.get(u).into_iter().flatten() {
            match state.get(v.as_str()).copied().unwrap_or(0) {
                1 => {
                    let at = stack.iter().position(|s| s == v).unwrap();
                    let mut cycle = stack[at..].to_vec();
                    cycle.push(v.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(v, graph, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(u.into(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for u in graph.keys() {
        if state.get(u.as_str()).copied().unwrap_or(0) == 0 {
            if let Some(cycle) = visit(u, &graph, &mut state, &mut Vec::new()) {
                panic!("import cycle: {}", cycle.join(" -> "));
            }
        }
    }
    // The lower layers name no op.
    for low in [
        "runtime", "tune", "harness", "report", "probe", "dtype", "error",
    ] {
        let ops: Vec<&String> = graph[low].iter().filter(|u| u.starts_with("ops")).collect();
        assert!(ops.is_empty(), "{low} depends on {ops:?}");
    }
}

#[test]
fn an_op_name_is_a_string_literal_only_in_its_own_folder() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let names = wgkernels::ops::names();
    assert_eq!(names.len(), wgkernels::ops::ALL.len());
    let mut found = Vec::new();
    for f in &files {
        let code = std::fs::read_to_string(f).unwrap();
        for name in &names {
            let own = root.join("src/ops").join(name);
            if f.starts_with(&own) {
                continue;
            }
            for (n, line) in code.lines().enumerate() {
                let line = line.split("//").next().unwrap_or("");
                if line.contains(&format!("\"{name}\"")) {
                    found.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "op names outside their folders:\n{}",
        found.join("\n")
    );
}

#[test]
fn every_shader_has_a_unique_name_and_known_includes() {
    let shaders = wgkernels::ops::all_shaders();
    let mut seen = BTreeSet::new();
    for s in &shaders {
        assert!(seen.insert(s.name), "two shaders named {}", s.name);
        assert!(!s.body.is_empty(), "{} has no body", s.name);
    }
    // Every WGSL file under shaders/ is some shader's body or helper (none is orphaned).
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    let mut texts: Vec<&str> = shaders.iter().map(|s| s.body).collect();
    texts.extend(
        shaders
            .iter()
            .flat_map(|s| s.includes.iter().map(|h| h.text)),
    );
    let mut wgsl = Vec::new();
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "wgsl") {
                out.push(p);
            }
        }
    }
    walk(&root, &mut wgsl);
    for f in wgsl {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(
            texts.contains(&text.as_str()),
            "{} is used by no shader",
            f.display()
        );
    }
}
