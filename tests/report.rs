//! The vendor report and `compare`: the bench JSON against the DESIGN.md contract (run through
//! the real CLI), the SVG charts and their links, curve detection, the side-by-side comparison
//! of two reports with ratios, clear errors (exit code 2) for unreadable or foreign files, and the
//! alternating-round timing behind the ratios.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use wgkernels::report::charts::curves;
use wgkernels::report::compare::{compare_reports, load_report};
use wgkernels::report::schema::{schema, validate};
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
    let (csv, html) = (dir.join("r.csv"), dir.join("r.html"));
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
        .arg("--csv")
        .arg(&csv)
        .arg("--html")
        .arg(&html)
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
    let back = load_report(&json).unwrap();
    // The schema in the repository describes it.
    let errors = validate(&schema(), &v, "$");
    assert!(
        errors.is_empty(),
        "report does not match the schema: {errors:#?}"
    );
    // Roofline, spread, scores and system on a real run.
    for r in &back.results {
        let w = r.work.expect("every GEMM row has its work");
        assert!(w.flops > 0.0 && w.bytes > 0.0, "{r:?}");
        // (Not bounded above: on this shared machine a peak measured at a busy moment can sit
        // below what a kernel reaches at a quiet one.)
        let pct = r.pct_of_roof.expect("% of roof");
        assert!(pct > 0.0 && pct.is_finite(), "{r:?}");
        assert!(r.spread().expect("samples").samples >= 3, "{r:?}");
    }
    assert!(back.scores.overall.is_some_and(|s| s > 0.0));
    let sys = back.system.as_ref().expect("system");
    assert!(sys.wgpu_version.starts_with("30."), "{sys:?}");
    // The CSV holds the JSON's rows; the HTML page is whole, with the charts inline.
    let rows = wgkernels::report::files::parse_csv(&std::fs::read_to_string(&csv).unwrap());
    assert_eq!(rows.len(), 1 + back.results.len());
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.trim_end().ends_with("</html>"));
    assert!(page.matches("<svg").count() >= 3, "charts not inline");
    assert!(!page.contains("<script") && !page.contains("src=\"http"));
    assert!(text_of(&md).contains("-roofline.svg)"));

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

fn text_of(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
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
        ..Default::default()
    }
}

fn report(name: &str, backend: &str, scale: f64) -> BenchReport {
    let sq = |s: u32| serde_json::json!({"m": s, "n": s, "k": s, "batch": 1, "trans_a": false});
    let attn = |d: f64| serde_json::json!({"b": 1, "h": 8, "n": 4096, "d": 64, "density": d});
    BenchReport::new(
        wgkernels::runtime::AdapterId {
            name: name.into(),
            vendor: 0x10005,
            device: 0,
            backend: backend.into(),
            device_type: "Cpu".into(),
            driver: "llvmpipe".into(),
            driver_info: "Mesa".into(),
        },
        wgkernels::probe::Peaks {
            fma_f32_gflops: 50.0 * scale,
            fma_f16_gflops: None,
            copy_gbps: 10.0,
            copy_buffer_gbps: 11.0,
        },
        vec![
            result("gemm", "tiled", "default", sq(256), 1.0 * scale),
            result("gemm", "tiled", "default", sq(512), 8.0 * scale),
            result("gemm", "subgroup", "cache", sq(1024), 64.0 * scale),
            result("gemm", "subgroup", "explicit", sq(1024), 70.0 * scale),
            result("attention", "sparse", "default", attn(0.1), 2.0 * scale),
            result("attention", "sparse", "default", attn(0.5), 9.0 * scale),
            result("attention", "sparse", "default", attn(1.0), 17.0 * scale),
        ],
        Vec::new(),
        None,
    )
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

/// Peaks for the hand-computed cases: P = 100 GFLOP/s (f32), 400 (f16), B = 10 GB/s.
fn hand_peaks() -> wgkernels::probe::Peaks {
    wgkernels::probe::Peaks {
        fma_f32_gflops: 100.0,
        fma_f16_gflops: Some(400.0),
        copy_gbps: 10.0,
        copy_buffer_gbps: 12.0,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[test]
fn intensity_and_roof_of_each_op_match_hand_counts() {
    use wgkernels::ops::{attention, fft, fftconv, gemm, sparse_gemm};
    use wgkernels::report::roofline::{roof, Bound};
    let pk = hand_peaks();
    // (what, work, flops, bytes, roof GFLOP/s, bound), every figure counted by hand.
    let cases = [
        // GEMM 1024³ f32: 2·1024³ FLOP; A, B, C of 1024² f32 = 3·4 MiB; I = 170.7 > P/B = 10.
        (
            "gemm 1024^3",
            gemm::work::gemm_work(&gemm::GemmDesc::new(1024, 1024, 1024), false),
            2147483648.0,
            12582912.0,
            100.0,
            Bound::Compute,
        ),
        // GEMV 4096×1×4096: 2·4096² FLOP; (4096² + 4096 + 4096)·4 bytes; I ≈ 0.49976.
        (
            "gemv 4096",
            gemm::work::gemm_work(&gemm::GemmDesc::new(4096, 1, 4096), false),
            33554432.0,
            67141632.0,
            10.0 * 33554432.0 / 67141632.0,
            Bound::Memory,
        ),
        // beta ≠ 0 reads C too: 2·2·3·4 = 48 FLOP; (8 + 12 + 2·6)·4 = 128 bytes; I = 0.375.
        (
            "gemm beta",
            gemm::work::gemm_work(&gemm::GemmDesc::new(2, 3, 4).scale(1.0, 0.5), false),
            48.0,
            128.0,
            3.75,
            Bound::Memory,
        ),
        // f16 on cooperative matrices: 3·2 MiB; bounded by the f16 peak.
        (
            "gemm f16 coop",
            gemm::work::gemm_work(
                &gemm::GemmDesc::new(1024, 1024, 1024).dtype(wgkernels::DType::F16),
                true,
            ),
            2147483648.0,
            6291456.0,
            400.0,
            Bound::Compute,
        ),
        // FFT 1024 × 8: 5·1024·10·8 FLOP; complex f32 in and out, 2·(2·8192·4) bytes; I = 3.125.
        (
            "fft 1024x8",
            fft::work::fft_work(&fft::FftDesc::new(1024).batch(8)),
            409600.0,
            131072.0,
            31.25,
            Bound::Memory,
        ),
        // FFT convolution b=2 h=3 L=1000 Lk=100 causal: nf = 2048 ≥ 1099; 6 rows ·
        // 5·2048·11 FLOP; u and y (2·6000) and k (300) f32; I = 13.7 > P/B.
        (
            "fftconv causal",
            fftconv::work::fftconv_work(&fftconv::FftConvDesc::new(2, 3, 1000, 100)),
            675840.0,
            49200.0,
            100.0,
            Bound::Compute,
        ),
        // Circular: nf = 1024 ≥ 1000.
        (
            "fftconv circular",
            fftconv::work::fftconv_work(&fftconv::FftConvDesc::new(2, 3, 1000, 100).circular(true)),
            307200.0,
            49200.0,
            10.0 * 307200.0 / 49200.0,
            Bound::Memory,
        ),
        // Attention b=1 h=2 n=256 d=64 at work density 0.5: 4·2·256·256·64·0.5 FLOP; Q, K, V,
        // O of 2·256·64 f32 each.
        (
            "attention half",
            attention::work::attention_work(
                &attention::AttentionDesc::new(1, 2, 256, 64),
                0.5,
                false,
            ),
            16777216.0,
            524288.0,
            100.0,
            Bound::Compute,
        ),
        // 2:4 sparse 8×16×32: half of 2·8·16·32 FLOP; per row 16 values + 1 metadata word
        // (2 bits per index) = 68 bytes × 8 rows; B 32·16 and C 8·16 f32.
        (
            "sparse 2:4",
            sparse_gemm::work::sparse_gemm_work(
                &sparse_gemm::SparseGemmDesc::matmul(
                    8,
                    16,
                    32,
                    sparse_gemm::format::NmPattern::TWO_FOUR,
                ),
                false,
            ),
            4096.0,
            3104.0,
            10.0 * 4096.0 / 3104.0,
            Bound::Memory,
        ),
    ];
    for (what, w, flops, bytes, roof_gflops, bound) in cases {
        assert!(
            close(w.flops, flops),
            "{what}: flops {} != {flops}",
            w.flops
        );
        assert!(
            close(w.bytes, bytes),
            "{what}: bytes {} != {bytes}",
            w.bytes
        );
        assert!(close(w.intensity(), flops / bytes), "{what}");
        let r = roof(&w, &pk);
        assert!(
            close(r.gflops, roof_gflops),
            "{what}: roof {} != {roof_gflops}",
            r.gflops
        );
        assert_eq!(r.bound, bound, "{what}");
    }
}

#[test]
fn pct_of_roof_scores_and_spread_flags() {
    use wgkernels::report::roofline::{geomean, Work};
    let mut rep = report("x", "Vulkan", 1.0);
    rep.peaks = hand_peaks();
    // 1 GFLOP in 20 ms = 50 GFLOP/s against a roof of 100 (I = 100): 50 %.
    rep.results[0].work = Some(Work {
        flops: 1e9,
        bytes: 1e7,
        f16_math: false,
    });
    rep.results[0].median_ms = 20.0;
    rep.results[0].samples_ms = vec![19.0, 20.0, 25.0];
    // 1 GFLOP, 1 GB (I = 1, roof 10 GFLOP/s) in 1 s: 10 %.
    rep.results[1].work = Some(Work {
        flops: 1e9,
        bytes: 1e9,
        f16_math: false,
    });
    rep.results[1].median_ms = 1000.0;
    rep.results[1].samples_ms = vec![990.0, 1000.0, 1010.0];
    // Attention: 4e8 FLOP at I = 40 (roof 100) in 10 ms: 40 %.
    rep.results[4].work = Some(Work {
        flops: 4e8,
        bytes: 1e7,
        f16_math: false,
    });
    rep.results[4].median_ms = 10.0;
    for r in &mut rep.results {
        if r.work.is_none() {
            r.samples_ms.clear();
        }
    }
    for i in [2, 3, 5, 6] {
        rep.results[i].work = None;
    }
    rep.apply_roofline();
    assert!(close(rep.results[0].pct_of_roof.unwrap(), 50.0));
    assert!(close(rep.results[1].pct_of_roof.unwrap(), 10.0));
    assert!(close(rep.results[4].pct_of_roof.unwrap(), 40.0));
    assert!(rep.results[2].pct_of_roof.is_none());
    // gemm: √(50·10); attention: 40; overall: √(gemm·attention).
    assert!(close(rep.scores.of("gemm").unwrap(), 500f64.sqrt()));
    assert!(close(rep.scores.of("attention").unwrap(), 40.0));
    assert!(close(
        rep.scores.overall.unwrap(),
        (500f64.sqrt() * 40.0).sqrt()
    ));
    assert_eq!(geomean([2.0, 8.0]), Some(4.0));
    // Spread 30 % (flagged) and 2 % (not).
    let s0 = rep.results[0].spread().unwrap();
    assert!(close(s0.pct(), 30.0) && s0.flagged() && s0.samples == 3);
    assert!(!rep.results[1].spread().unwrap().flagged());
    let md = rep.to_markdown();
    assert_eq!(md.matches("| ⚠ 30.0 % |").count(), 1, "{md}");
    assert!(md.contains("⚠ 1 of 7 rows spread over 10 %"), "{md}");
    assert!(md.contains("| **overall** |"), "{md}");
}

#[test]
fn csv_and_json_round_trip_and_the_schema_rejects_what_it_should() {
    use wgkernels::report::files::{parse_csv, CSV_COLUMNS};
    use wgkernels::report::roofline::Work;
    let dir = temp_dir("csv");
    let mut rep = report("llvmpipe, \"quoted\"", "Gl", 1.0);
    for (i, r) in rep.results.iter_mut().enumerate() {
        r.work = Some(Work {
            flops: 1e9 * (i + 1) as f64,
            bytes: 3e7 / 7.0,
            f16_math: i == 2,
        });
        r.samples_ms = vec![r.median_ms * 0.99, r.median_ms, r.median_ms * 1.013];
        r.note = if i == 1 {
            "a, b\nc".into()
        } else {
            String::new()
        };
    }
    rep.results[3].rel_l2_err = f64::NAN;
    rep.system = Some(wgkernels::report::SystemInfo {
        cpu: "Test CPU".into(),
        cpu_threads: 2,
        os: "Test OS".into(),
        wgpu_version: "30.0.2".into(),
        load_before: Some([0.5, 0.25, 0.125]),
        load_after: Some([1.5, 0.75, 0.5]),
    });
    rep.apply_roofline();
    let p = write(&dir, "r.json", &rep);
    let v: serde_json::Value = serde_json::from_str(&text_of(&p)).unwrap();
    assert!(
        validate(&schema(), &v, "$").is_empty(),
        "{:#?}",
        validate(&schema(), &v, "$")
    );
    let back = load_report(&p).unwrap();
    assert_eq!(
        serde_json::to_value(&back).unwrap(),
        v,
        "JSON does not round-trip through BenchReport"
    );
    let rows = parse_csv(&back.to_csv());
    assert_eq!(
        rows[0],
        CSV_COLUMNS
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
    );
    assert_eq!(rows.len(), 1 + back.results.len());
    let col = |name: &str| CSV_COLUMNS.iter().position(|c| *c == name).unwrap();
    let f = |row: &Vec<String>, name: &str| -> Option<f64> {
        let t = &row[col(name)];
        (!t.is_empty()).then(|| t.parse().unwrap())
    };
    for (row, r) in rows[1..].iter().zip(&back.results) {
        assert_eq!(row.len(), CSV_COLUMNS.len());
        assert_eq!(row[col("adapter")], back.adapter.name);
        assert_eq!(row[col("op")], r.op);
        assert_eq!(row[col("note")], r.note);
        assert_eq!(row[col("config_source")], r.config_source);
        // Numbers come back bit for bit.
        assert_eq!(f(row, "median_ms"), Some(r.median_ms));
        assert_eq!(f(row, "flops"), r.work.map(|w| w.flops));
        assert_eq!(f(row, "bytes"), r.work.map(|w| w.bytes));
        assert_eq!(f(row, "intensity"), r.intensity);
        assert_eq!(f(row, "roof_gflops"), r.roof_gflops);
        assert_eq!(f(row, "pct_of_roof"), r.pct_of_roof);
        assert_eq!(f(row, "gflops"), r.gflops);
        assert_eq!(
            f(row, "max_ms"),
            r.samples_ms.iter().copied().reduce(f64::max)
        );
        assert_eq!(f(row, "samples"), Some(3.0));
        let e = f(row, "rel_l2_err");
        assert!(e == Some(r.rel_l2_err) || (e.is_none() && r.rel_l2_err.is_nan()));
    }
    // The schema check can fail: a missing field, a wrong type, an unknown enum value.
    let mut bad = v.clone();
    bad.as_object_mut().unwrap().remove("peaks");
    bad["results"][0]["dtype"] = "f64".into();
    bad["results"][1]["median_ms"] = "fast".into();
    let errs = validate(&schema(), &bad, "$");
    assert_eq!(errs.len(), 3, "{errs:#?}");
    // `compare` holds a report of the current layout to the schema: a value serde would take
    // (a timing that is a string, but neither `gpu` nor `wall`) is refused with its path.
    let mut drift = v.clone();
    drift["results"][0]["timing"] = "stopwatch".into();
    let drift_path = dir.join("drift.json");
    std::fs::write(&drift_path, drift.to_string()).unwrap();
    let err = load_report(&drift_path).unwrap_err().to_string();
    assert!(
        err.contains("does not match the bench report schema")
            && err.contains("$.results[0].timing"),
        "{err}"
    );
    // The HTML page says what the Markdown says.
    let page = back.to_html(
        &[("chart".into(), "<?xml version=\"1.0\"?><svg></svg>".into())],
        None,
    );
    assert!(page.contains("<figure>") && page.contains("<svg></svg>") && !page.contains("<?xml"));
    assert!(
        page.contains("<td>llvmpipe, &quot;quoted&quot;")
            || page.contains("llvmpipe, &quot;quoted&quot;")
    );
    assert!(page.contains("Test CPU") && page.contains("<table>"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn compare_ranks_any_number_of_reports_by_score() {
    use wgkernels::report::roofline::Work;
    let dir = temp_dir("rank");
    let mk = |name: &str, ms: f64| {
        let mut r = report(name, "Vulkan", 1.0);
        for x in &mut r.results {
            x.work = Some(Work {
                flops: 1e8,
                bytes: 1e6,
                f16_math: false,
            });
            x.median_ms = ms;
        }
        r.apply_roofline();
        r
    };
    // Roof 50 GFLOP/s (I = 100, B = 10, P = 50): 1e8 FLOP in 4 ms = 25 GFLOP/s = 50 %.
    let (a, b, c) = (mk("slow", 8.0), mk("fast", 4.0), mk("mid", 5.0));
    assert!(close(b.scores.overall.unwrap(), 50.0));
    let files: Vec<PathBuf> = [("a", &a), ("b", &b), ("c", &c)]
        .iter()
        .map(|(n, r)| write(&dir, &format!("{n}.json"), r))
        .collect();
    let cmp = compare_reports(&[a, b, c], &["a".into(), "b".into(), "c".into()]);
    assert_eq!(cmp.ranking, vec![1, 2, 0]);
    let md = dir.join("c.md");
    let out = cli()
        .arg("compare")
        .args(&files)
        .arg("--md")
        .arg(&md)
        .arg("--html")
        .arg(dir.join("c.html"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = text_of(&md);
    assert!(text.contains("| 1 | B | fast"), "{text}");
    assert!(text.contains("| 3 | A | slow"), "{text}");
    assert!(
        text.contains("](c-roofline.svg)") && text.contains("](c.svg)"),
        "{text}"
    );
    let roof = text_of(&dir.join("c-roofline.svg"));
    assert!(
        roof.contains("C: mid") && roof.contains("roof f32"),
        "roofline chart legend"
    );
    let page = text_of(&dir.join("c.html"));
    assert_eq!(page.matches("<svg").count(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn html_report_opens_in_headless_chromium_without_console_errors() {
    use wgkernels::report::roofline::Work;
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        eprintln!("skipped: no Chromium at {chromium} (set CHROMIUM)");
        return;
    }
    let dir = temp_dir("chromium");
    let mut rep = report("llvmpipe <&>", "Vulkan", 1.0);
    for r in &mut rep.results {
        r.work = Some(Work {
            flops: 1e8,
            bytes: 4e6,
            f16_math: false,
        });
        r.samples_ms = vec![r.median_ms * 0.95, r.median_ms, r.median_ms * 1.2];
    }
    rep.apply_roofline();
    let charts = wgkernels::report::charts::write_report_charts(&rep, &dir, "r").unwrap();
    let inline: Vec<(String, String)> = charts
        .iter()
        .map(|c| (c.title.clone(), text_of(&c.path)))
        .collect();
    let html = dir.join("r.html");
    std::fs::write(&html, rep.to_html(&inline, Some("mode cached"))).unwrap();
    let shot = dir.join("r.png");
    let out = Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
        ])
        .args(["--v=0", "--window-size=1200,2400"])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    // Chromium logs each console message as `INFO:CONSOLE…`; a page error would show there.
    assert!(!log.contains(":CONSOLE"), "console output:\n{log}");
    assert!(
        std::fs::metadata(&shot).is_ok_and(|m| m.len() > 10_000),
        "no screenshot:\n{log}"
    );
    let page = text_of(&html);
    assert!(page.contains("llvmpipe &lt;&amp;&gt;"));
    // Nothing to fetch: the only URLs are the SVG namespace.
    let urls = page.matches("http").count();
    assert_eq!(
        urls,
        page.matches("http://www.w3.org/2000/svg").count()
            + page.matches("http://www.w3.org/1999/xlink").count()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
