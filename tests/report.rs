//! The vendor report and `compare`: the bench JSON against the DESIGN.md contract (run through
//! the real CLI), the SVG charts and their links, curve detection, the side-by-side comparison
//! of two reports with ratios, clear errors (exit code 2) for unreadable or foreign files, and the
//! alternating-round timing behind the ratios.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use wgkernels::report::charts::curves;
use wgkernels::report::compare::{compare_reports, load_report};
use wgkernels::report::{BenchReport, BenchResult};
use wgkernels::DType;

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("wgk-report-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn cli() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wgkernels"))
}

fn num(v: &serde_json::Value, what: &str) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("{what} is not a number: {v}"))
}

#[test]
fn bench_json_matches_the_design_contract_and_writes_charts() {
    let dir = temp_dir("bench");
    let (json, md) = (dir.join("r.json"), dir.join("r.md"));
    // One bucket of the bench (256³) tuned beforehand, as `wgkernels tune gemm` would: the
    // bench must take it from the cache and tune nothing.
    let tuned = {
        use wgkernels::ops::gemm::tune::GemmTune;
        use wgkernels::tune::{tune, TuneMode, TuneOptions, Tuner};
        let ctx = wgkernels::Context::new_blocking()
            .unwrap()
            .with_tuner(Tuner::new(TuneMode::Cached, Some(dir.join("cache"))));
        let e = tune::<GemmTune>(
            &ctx,
            &wgkernels::GemmDesc::new(256, 256, 256),
            &TuneOptions::quick(),
            &mut |_, _, _| {},
        )
        .unwrap();
        e.winner_label.expect("a winner")
    };
    let out = cli()
        .args(["bench", "gemm", "--quick", "--json"])
        .arg(&json)
        .arg("--md")
        .arg(&md)
        .arg("--cache-dir")
        .arg(dir.join("cache"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "bench failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The tuned bucket is a cache hit, every other pick the vendor default, nothing tuned.
    assert!(
        stdout.contains("this run: 1 picks from the cache") && stdout.contains("0 tuning runs"),
        "{stdout}"
    );

    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    // adapter {...}
    let a = &v["adapter"];
    for k in ["name", "backend", "driver", "driver_info", "device_type"] {
        assert!(a[k].is_string(), "adapter.{k} missing: {a}");
    }
    assert!(a["vendor"].is_u64() && a["device"].is_u64());
    // peaks {fma_f32_gflops, copy_gbps, ...}
    let p = &v["peaks"];
    assert!(num(&p["fma_f32_gflops"], "fma_f32_gflops") > 0.0);
    assert!(num(&p["copy_gbps"], "copy_gbps") > 0.0);
    // results [{op, variant, dtype, shape, median_ms, gflops?, gbps?, pct_of_peak?, config, rel_l2_err}]
    let results = v["results"].as_array().expect("results[]");
    assert!(results.len() >= 4, "only {} results", results.len());
    for r in results {
        assert_eq!(r["op"], "gemm");
        assert!(r["variant"].is_string() && !r["variant"].as_str().unwrap().is_empty());
        assert!(matches!(r["dtype"].as_str(), Some("f32" | "f16")), "{r}");
        let shape = r["shape"].as_object().expect("shape is an object");
        for k in ["m", "n", "k"] {
            assert!(shape[k].is_u64(), "shape.{k}: {r}");
        }
        assert!(num(&r["median_ms"], "median_ms") > 0.0);
        assert!(r["gflops"].is_number() || r["gbps"].is_number(), "{r}");
        let pct = num(&r["pct_of_peak"], "pct_of_peak");
        assert!(pct > 0.0 && pct.is_finite(), "{r}");
        assert!(r["config"].is_string());
        let err = num(&r["rel_l2_err"], "rel_l2_err");
        assert!(err.is_finite() && err < 1e-2, "{r}");
        assert!(
            matches!(
                r["config_source"].as_str(),
                Some("cache" | "tuned" | "default" | "explicit")
            ),
            "{r}"
        );
    }
    assert!(results
        .iter()
        .any(|r| r["shape"]["m"] == 1024 && r["config_source"] == "default"));
    let r256 = results
        .iter()
        .find(|r| r["shape"]["m"] == 256)
        .expect("the 256³ row");
    assert_eq!(r256["config_source"], "cache", "{r256}");
    assert_eq!(r256["config"], tuned.as_str(), "{r256}");
    assert!(
        results.iter().any(|r| r["gbps"].is_number()),
        "the GEMV row reports GB/s"
    );
    // It round-trips through the library's type (what `compare` reads).
    load_report(&json).unwrap();

    // Markdown with the charts linked, and the charts next to it.
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.contains("| source |"), "{text}");
    let eff = dir.join("r-efficiency.svg");
    let curve = dir.join("r-gemm-time-vs-m=n=k.svg");
    for svg in [&eff, &curve] {
        let name = svg.file_name().unwrap().to_str().unwrap();
        assert!(
            text.contains(&format!("]({name})")),
            "{name} not linked from the Markdown"
        );
        let s = std::fs::read_to_string(svg).unwrap();
        assert!(
            s.starts_with("<svg") && s.trim_end().ends_with("</svg>"),
            "{name} is not a whole SVG"
        );
    }
    assert!(std::fs::read_to_string(&curve)
        .unwrap()
        .contains("pick f32"));
    let _ = std::fs::remove_dir_all(&dir);
}

fn result(op: &str, variant: &str, source: &str, shape: serde_json::Value, ms: f64) -> BenchResult {
    BenchResult {
        op: op.into(),
        variant: variant.into(),
        dtype: DType::F32,
        shape,
        median_ms: ms,
        gflops: Some(1.0 / ms),
        gbps: None,
        pct_of_peak: Some(10.0 / ms),
        config: format!("{variant} cfg"),
        config_source: source.into(),
        rel_l2_err: 1e-7,
        timing: "gpu".into(),
        note: String::new(),
    }
}

fn report(name: &str, backend: &str, scale: f64) -> BenchReport {
    let sq = |s: u32| serde_json::json!({"m": s, "n": s, "k": s, "batch": 1, "trans_a": false});
    let attn = |d: f64| serde_json::json!({"b": 1, "h": 8, "n": 4096, "d": 64, "density": d});
    BenchReport {
        adapter: wgkernels::runtime::AdapterId {
            name: name.into(),
            vendor: 0x10005,
            device: 0,
            backend: backend.into(),
            device_type: "Cpu".into(),
            driver: "llvmpipe".into(),
            driver_info: "Mesa".into(),
        },
        peaks: wgkernels::probe::Peaks {
            fma_f32_gflops: 50.0 * scale,
            fma_f16_gflops: None,
            copy_gbps: 10.0,
            copy_buffer_gbps: 11.0,
        },
        results: vec![
            result("gemm", "tiled", "default", sq(256), 1.0 * scale),
            result("gemm", "tiled", "default", sq(512), 8.0 * scale),
            result("gemm", "subgroup", "cache", sq(1024), 64.0 * scale),
            result("gemm", "subgroup", "explicit", sq(1024), 70.0 * scale),
            result("attention", "sparse", "default", attn(0.1), 2.0 * scale),
            result("attention", "sparse", "default", attn(0.5), 9.0 * scale),
            result("attention", "sparse", "default", attn(1.0), 17.0 * scale),
        ],
        version: env!("CARGO_PKG_VERSION").into(),
        compile: Vec::new(),
    }
}

#[test]
fn curves_group_results_that_vary_one_dimension() {
    let r = report("x", "Vulkan", 1.0);
    let c = curves(&r.results);
    let size = c
        .iter()
        .find(|c| c.op == "gemm" && c.x_name == "m=n=k")
        .expect("a size curve");
    // The dispatcher's picks form one series across sizes, whatever variant they chose.
    let pick = size
        .series
        .iter()
        .find(|s| s.label.starts_with("pick"))
        .unwrap();
    assert_eq!(
        pick.points,
        vec![(256.0, 1.0), (512.0, 8.0), (1024.0, 64.0)]
    );
    assert!(
        size.series.iter().all(|s| !s.label.starts_with("subgroup")),
        "one explicit point is no curve"
    );
    let dens = c
        .iter()
        .find(|c| c.op == "attention" && c.x_name == "density")
        .expect("a density curve");
    assert_eq!(dens.series.len(), 1);
    assert_eq!(dens.series[0].points.len(), 3);
    assert!(
        dens.series[0].label.contains("h=8"),
        "{}",
        dens.series[0].label
    );
}

/// The shapes exactly as `bench attention` and `bench fft` write them: the density sweep is
/// one curve over `work_density` (its `pattern` text restates the number), structured
/// patterns and decode stay apart, and the FFT's sizes at a fixed buffer (n·batch constant)
/// are one curve over `n`.
#[test]
fn bench_shapes_of_the_density_sweep_and_the_fft_form_curves() {
    let attn = |pattern: &str, w: f64, nq: u32| {
        serde_json::json!({"b": 1, "hq": 8, "hkv": 8, "nq": nq, "nkv": 4096, "d": 64,
            "lse": false, "pattern": pattern, "work_density": w})
    };
    let fft = |n: u64| serde_json::json!({"n": n, "batch": (8u64 << 20) / n, "inverse": false});
    let results = vec![
        result(
            "attention",
            "subgroup",
            "default",
            attn("dense", 1.0, 4096),
            8.0,
        ),
        result(
            "attention",
            "subgroup",
            "default",
            attn("density 1/1", 1.0, 4096),
            8.1,
        ),
        result(
            "attention",
            "subgroup",
            "default",
            attn("density 1/2", 0.5, 4096),
            4.0,
        ),
        result(
            "attention",
            "subgroup",
            "default",
            attn("density 1/4", 0.25, 4096),
            2.0,
        ),
        result(
            "attention",
            "subgroup",
            "default",
            attn("causal", 0.52, 4096),
            4.4,
        ),
        result(
            "attention",
            "subgroup",
            "default",
            attn("decode", 1.0, 1),
            0.1,
        ),
        result("fft", "stockham", "default", fft(256), 1.0),
        result("fft", "stockham", "default", fft(1024), 1.2),
        result("fft", "stockham", "default", fft(4096), 1.3),
        result("fft", "stockham", "default", fft(65536), 2.5),
    ];
    let c = curves(&results);
    let dens = c
        .iter()
        .find(|c| c.op == "attention" && c.x_name == "work_density")
        .unwrap_or_else(|| panic!("no density curve in {c:#?}"));
    assert_eq!(dens.series.len(), 1, "{dens:#?}");
    assert_eq!(
        dens.series[0].points,
        vec![(0.25, 2.0), (0.5, 4.0), (1.0, 8.0)],
        "the causal and decode rows are not density points"
    );
    let size = c
        .iter()
        .find(|c| c.op == "fft" && c.x_name == "n at fixed n·batch")
        .unwrap_or_else(|| panic!("no FFT size curve in {c:#?}"));
    assert_eq!(size.series.len(), 1);
    assert_eq!(size.series[0].points.len(), 4);
    assert!(
        size.series[0].label.contains("n·batch=8388608"),
        "{}",
        size.series[0].label
    );
    // Two points at a fixed product are not a curve (e.g. a GEMV and its transpose).
    assert!(curves(&results[6..8]).iter().all(|c| c.op != "fft"));
}

fn write(dir: &Path, name: &str, r: &BenchReport) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_vec_pretty(r).unwrap()).unwrap();
    p
}

#[test]
fn unchecked_rows_are_null_in_json_and_load_back() {
    let dir = temp_dir("unchecked");
    let mut r = report("x", "Vulkan", 1.0);
    r.results[0].rel_l2_err = f64::NAN;
    let p = write(&dir, "r.json", &r);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains("\"rel_l2_err\": null"), "{text}");
    let back = load_report(&p).unwrap();
    assert!(back.results[0].rel_l2_err.is_nan());
    assert_eq!(back.results[1].rel_l2_err, 1e-7);
    let md = back.to_markdown();
    assert_eq!(md.matches("| not checked |").count(), 1, "{md}");
    let out = cli().arg("compare").arg(&p).arg(&p).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn compare_two_reports_side_by_side_with_ratios() {
    let dir = temp_dir("compare");
    // B is twice as fast on everything and lacks one row.
    let a = report("llvmpipe (LLVM 15.0.6, 256 bits)", "Vulkan", 1.0);
    let mut b = report("llvmpipe (LLVM 15.0.6, 256 bits)", "Gl", 0.5);
    b.results.pop();
    let (pa, pb) = (write(&dir, "a.json", &a), write(&dir, "b.json", &b));

    let cmp = compare_reports(&[a.clone(), b.clone()], &["a.json".into(), "b.json".into()]);
    assert_eq!(cmp.rows.len(), 7);
    assert_eq!(cmp.shared_rows(), 6);
    for r in cmp.rows.iter().filter(|r| r.cells[1].is_some()) {
        assert!((r.speed_vs_first(1).unwrap() - 2.0).abs() < 1e-9, "{r:?}");
    }
    // The cached pick and the forced subgroup row at 1024 stay distinct rows.
    assert!(cmp
        .rows
        .iter()
        .any(|r| r.role == "pick" && r.shape.contains("1024")));
    assert!(cmp
        .rows
        .iter()
        .any(|r| r.role == "subgroup" && r.shape.contains("1024")));

    let md = dir.join("c.md");
    let out = cli()
        .arg("compare")
        .arg(&pa)
        .arg(&pb)
        .arg("--md")
        .arg(&md)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("A: llvmpipe")
            && stdout.contains("Vulkan")
            && stdout.contains("B: llvmpipe")
    );
    assert!(stdout.contains("Gl"));
    assert!(stdout.contains("2.00"), "ratio missing:\n{stdout}");
    assert!(stdout.contains("FMA f32"), "peaks missing:\n{stdout}");
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(
        text.contains("](c.svg)") && text.contains("| B/A |"),
        "{text}"
    );
    assert!(std::fs::read_to_string(dir.join("c.svg"))
        .unwrap()
        .starts_with("<svg"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn compare_rejects_unreadable_and_foreign_files_with_exit_code_2() {
    let dir = temp_dir("compare-bad");
    let good = write(&dir, "good.json", &report("x", "Vulkan", 1.0));
    let verify = dir.join("verify.json");
    std::fs::write(&verify, r#"{"adapter": {"name": "x"}, "checks": []}"#).unwrap();
    let text = dir.join("notes.json");
    std::fs::write(&text, "hello").unwrap();
    let missing = dir.join("missing.json");
    let cases: [(&Path, &str); 3] = [
        (
            &verify,
            "not a wgkernels bench report (it looks like a `verify --json` file)",
        ),
        (&text, "not a JSON file"),
        (&missing, "missing.json"),
    ];
    for (bad, msg) in cases {
        let out = cli().arg("compare").arg(&good).arg(bad).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {stderr}");
        assert!(
            stderr.contains(msg),
            "{bad:?}: expected {msg:?} in {stderr}"
        );
        assert!(
            stderr.contains(&bad.file_name().unwrap().to_string_lossy().into_owned()),
            "{stderr}"
        );
    }
    // One file is not a comparison.
    let out = cli().arg("compare").arg(&good).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least two"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn tune_and_info_report_the_cache_and_reject_unknown_ops() {
    let dir = temp_dir("cli-tune");
    let out = cli().args(["tune", "nonsense"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown op `nonsense`"));
    let out = cli()
        .arg("info")
        .arg("--cache-dir")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&dir.display().to_string()) && stdout.contains("nothing tuned yet"),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Alternating rounds give every case the same number of samples, and a case with 32768× the
/// work of another measures slower even in its fastest sample (robust to a loaded machine).
#[test]
fn time_rounds_gives_each_case_its_own_samples() {
    use wgkernels::{GemmDesc, GemmPlan};
    let c = common::ctx();
    let bound: Vec<_> = [16u32, 512]
        .iter()
        .map(|&s| {
            let d = GemmDesc::new(s, s, s);
            let plan = GemmPlan::new(c, d, None).unwrap();
            let a = c.storage("a", d.a_len() * 4).unwrap();
            let b = c.storage("b", d.b_len() * 4).unwrap();
            let out = c.storage("c", d.c_len() * 4).unwrap();
            plan.bind(&a, &b, &out).unwrap()
        })
        .collect();
    let t =
        wgkernels::harness::bench::time_rounds(c, true, &bound, |b, pass| b.record(pass)).unwrap();
    assert_eq!(t.len(), 2);
    assert!(t[0].samples_ms.len() >= 3 && t[0].samples_ms.len() == t[1].samples_ms.len());
    assert!(t.iter().all(|t| t.samples_ms.iter().all(|&s| s > 0.0)));
    let fastest =
        |t: &wgkernels::runtime::Timing| t.samples_ms.iter().copied().fold(f64::MAX, f64::min);
    assert!(fastest(&t[1]) > fastest(&t[0]), "{t:?}");
}
