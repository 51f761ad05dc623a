//! Measured tuning and its persistent cache: a tuned bucket is served from the cache with no
//! tuning runs; corrupt, stale and foreign files are ignored with a warning and rewritten; a
//! cached winner that does not apply is never picked; candidates that fail are never chosen;
//! a directory that cannot be written keeps tuning in memory; concurrent writers lose nothing.

mod common;

use common::ctx;
use std::path::{Path, PathBuf};
use wgkernels::ops::gemm::config::gemm_default;
use wgkernels::ops::gemm::tune::gemm_pick_with_source;
use wgkernels::ops::gemm::tune::{GemmBucket, GemmTune};
use wgkernels::runtime::pipelines::{Shader, Spec};
use wgkernels::runtime::tune_cache as cache;
use wgkernels::runtime::Context;
use wgkernels::tune::{
    bucket_key, pick, tune, tune_async, CandidateStatus, ConfigSource, Prepared, TuneMode, TuneOp,
    TuneOptions, Tuner,
};
use wgkernels::{DType, GemmConfig, GemmDesc};

/// A fresh, empty directory under the system temp dir, unique to this test.
fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("wgk-tune-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn tuner_ctx(mode: TuneMode, dir: &Path) -> Context {
    ctx().with_tuner(Tuner::new(mode, Some(dir.to_path_buf())))
}

/// A small GEMM whose bucket (128 × 128 × 64) tunes in seconds on lavapipe.
fn small() -> GemmDesc {
    GemmDesc::new(100, 120, 60)
}

fn read_json(p: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

#[test]
fn tuned_bucket_is_served_from_the_cache_without_tuning() {
    let dir = temp_dir("hit");
    let a = tuner_ctx(TuneMode::Auto, &dir);
    let first = gemm_pick_with_source(&a, &small());
    assert_eq!(first.source, ConfigSource::Tuned);
    let st = a.tuner().stats();
    assert!(
        st.tuning_runs > 0,
        "Auto mode on an empty cache must tune: {st:?}"
    );
    assert_eq!(st.buckets_tuned, 1);

    // The file: one per adapter, keyed, every candidate's time stored.
    let path = a.tuner().cache_path(&a).expect("a cache path");
    assert!(path.starts_with(&dir), "{path:?} not in {dir:?}");
    let v = read_json(&path);
    assert_eq!(v["key"]["adapter"]["name"], a.adapter_id().name);
    assert_eq!(v["key"]["crate_version"], env!("CARGO_PKG_VERSION"));
    // Each entry carries the hash of its own op's shaders (not of every shader).
    assert_eq!(
        v["entries"][0]["shader_hash"],
        cache::shaders_hash(&GemmTune::shaders())
    );
    assert_ne!(
        cache::shaders_hash(&GemmTune::shaders()),
        cache::shaders_hash(wgkernels::ops::fft::shaders::ALL)
    );
    let (bucket, rep) = GemmTune::bucket(&small());
    assert_eq!(bucket, gemm_bucket(128, 128, 64, 1, false));
    // Stored as the bucket type's serde form.
    assert_eq!(v["entries"][0]["bucket"]["m"], 128);
    let key = serde_json::to_value(bucket).unwrap();
    let entry = a.tuner().entry(&a, "gemm", &key).expect("entry stored");
    let cands = GemmTune::candidates(a.caps(), &a.limits(), &rep);
    assert_eq!(
        entry.candidates.len(),
        cands.len(),
        "every candidate is recorded"
    );
    assert_eq!(
        entry.default_label,
        gemm_default(a.caps(), &a.limits(), &rep).label()
    );
    let ok: Vec<_> = entry
        .candidates
        .iter()
        .filter(|c| c.status == CandidateStatus::Ok)
        .collect();
    assert!(
        ok.len() >= 2,
        "at least two candidates measured: {entry:#?}"
    );
    assert!(ok
        .iter()
        .all(|c| c.median_ms.is_some_and(|m| m > 0.0) && !c.samples_ms.is_empty()));
    let winner: GemmConfig = serde_json::from_value(entry.winner.clone().unwrap()).unwrap();
    assert_eq!(winner, first.config);
    // The winner is no slower than the default by the margin rule.
    assert!(entry.winner_ms.unwrap() <= entry.default_ms.unwrap() * 1.0001);

    // A second "process" (a fresh tuner, same directory) hits the cache for any shape of the
    // bucket and runs no tuning at all, in Cached and in Auto mode.
    for mode in [TuneMode::Cached, TuneMode::Auto] {
        let b = tuner_ctx(mode, &dir);
        for d in [
            small(),
            GemmDesc::new(127, 97, 33),
            GemmDesc::new(65, 128, 64),
        ] {
            let p = gemm_pick_with_source(&b, &d);
            assert_eq!(p.source, ConfigSource::Cache, "{d:?} in {mode:?}");
            if first.config.valid_for(b.caps(), &b.limits(), &d) {
                assert_eq!(p.config, first.config);
            } else {
                // The winner cannot run this call (e.g. N % 4 ≠ 0): the fastest stored one that can.
                assert!(p.config.valid_for(b.caps(), &b.limits(), &d));
            }
        }
        let st = b.tuner().stats();
        assert_eq!(st.tuning_runs, 0, "{mode:?}: {st:?}");
        assert_eq!(st.cache_hits, 3);
        assert!(b.tuner().notices().is_empty(), "{:?}", b.tuner().notices());
    }

    // The plan a library call builds uses the cached winner, and it is correct.
    let b = tuner_ctx(TuneMode::Cached, &dir);
    let odd = GemmDesc::new(127, 96, 33);
    let plan = wgkernels::GemmPlan::new(&b, odd, None).unwrap();
    if first.config.valid_for(b.caps(), &b.limits(), &odd) {
        assert_eq!(*plan.config(), first.config);
    } else {
        // K = 33 rules out the vec4 variants: the fastest stored candidate that can run it.
        assert!(plan.config().valid_for(b.caps(), &b.limits(), &odd));
        assert_ne!(*plan.config(), first.config);
    }
    let c = wgkernels::ops::gemm::verify::check_gemm(&b, &odd, *plan.config(), 9);
    assert!(c.pass, "{c:?}");

    // Off ignores the cache.
    let off = tuner_ctx(TuneMode::Off, &dir);
    assert_eq!(
        gemm_pick_with_source(&off, &small()).source,
        ConfigSource::Default
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cached_mode_never_tunes_and_never_writes() {
    let dir = temp_dir("cached");
    let c = tuner_ctx(TuneMode::Cached, &dir);
    let p = gemm_pick_with_source(&c, &small());
    assert_eq!(p.source, ConfigSource::Default);
    assert_eq!(p.config, gemm_default(c.caps(), &c.limits(), &small()));
    assert_eq!(c.tuner().stats().tuning_runs, 0);
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "a Cached pick wrote into the cache dir"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Tunes `small()` quickly into `dir` and returns the cache file path.
fn tuned_file(dir: &Path) -> PathBuf {
    let c = tuner_ctx(TuneMode::Cached, dir);
    tune::<GemmTune>(&c, &small(), &TuneOptions::quick(), &mut |_, _, _| {}).unwrap();
    c.tuner().cache_path(&c).unwrap()
}

#[test]
fn corrupt_cache_is_ignored_with_a_warning_and_rewritten() {
    let dir = temp_dir("corrupt");
    let path = tuned_file(&dir);
    let valid = std::fs::read(&path).unwrap();
    for garbage in [
        &b"{ this is not json"[..],
        &valid[..valid.len() / 2],
        b"",
        b"[1, 2, 3]",
    ] {
        std::fs::write(&path, garbage).unwrap();
        let c = tuner_ctx(TuneMode::Cached, &dir);
        let p = gemm_pick_with_source(&c, &small());
        assert_eq!(
            p.source,
            ConfigSource::Default,
            "a corrupt cache must not be used"
        );
        let notices = c.tuner().notices();
        assert!(
            notices
                .iter()
                .any(|n| n.contains("corrupt") || n.contains("stale")),
            "no warning for {:?}: {notices:?}",
            String::from_utf8_lossy(garbage)
        );
        // Rewritten at once: a valid (empty) cache for this adapter.
        let v = read_json(&path);
        assert_eq!(v["format"], cache::FORMAT);
        assert_eq!(v["entries"].as_array().unwrap().len(), 0);
        assert!(c.tuner().status(&c).state.contains("ignored"));
    }
    // The next tuning run recovers fully and a fresh process hits the cache again.
    let c = tuner_ctx(TuneMode::Auto, &dir);
    assert_eq!(
        gemm_pick_with_source(&c, &small()).source,
        ConfigSource::Tuned
    );
    let d = tuner_ctx(TuneMode::Cached, &dir);
    assert_eq!(
        gemm_pick_with_source(&d, &small()).source,
        ConfigSource::Cache
    );
    assert!(d.tuner().notices().is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn stale_and_foreign_caches_are_ignored() {
    let dir = temp_dir("stale");
    let path = tuned_file(&dir);
    let valid = read_json(&path);
    type Edit<'a> = (&'a str, &'a dyn Fn(&mut serde_json::Value));
    let edits: [Edit; 5] = [
        ("stale", &|v| v["key"]["crate_version"] = "0.0.0-old".into()),
        ("stale", &|v| {
            for e in v["entries"].as_array_mut().unwrap() {
                e["shader_hash"] = "0000000000000000".into();
            }
        }),
        ("stale", &|v| {
            v["key"]["adapter"]["driver_info"] = "some other driver".into()
        }),
        ("stale", &|v| v["format"] = 999.into()),
        ("foreign", &|v| {
            v["key"]["adapter"]["name"] = "NVIDIA GeForce RTX 4090".into()
        }),
    ];
    for (what, edit) in edits {
        let mut v = valid.clone();
        edit(&mut v);
        std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
        let c = tuner_ctx(TuneMode::Cached, &dir);
        assert_eq!(
            gemm_pick_with_source(&c, &small()).source,
            ConfigSource::Default,
            "{what}"
        );
        let notices = c.tuner().notices();
        assert!(
            notices.iter().any(|n| n.contains(what)),
            "expected a `{what}` warning: {notices:?}"
        );
        let now = read_json(&path);
        assert_eq!(
            now["key"], valid["key"],
            "rewritten with this adapter's key"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_cached_winner_that_does_not_apply_is_never_picked() {
    let dir = temp_dir("wrong");
    let path = tuned_file(&dir);
    let valid = read_json(&path);
    let bogus_tile = serde_json::to_value(GemmConfig::tiled(3, 5, 7, 3, 5)).unwrap();
    let coop = serde_json::to_value(GemmConfig::coop(16, 32, 2, 2, 32)).unwrap();
    for (i, winner) in [
        bogus_tile,
        coop,
        serde_json::json!({"variant": "warp-drive"}),
    ]
    .into_iter()
    .enumerate()
    {
        let mut v = valid.clone();
        let e = &mut v["entries"][0];
        e["winner"] = winner.clone();
        // Even marked as measured correct, a config outside the candidate list is refused.
        e["candidates"][0]["config"] = winner;
        std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
        let c = tuner_ctx(TuneMode::Cached, &dir);
        let p = gemm_pick_with_source(&c, &small());
        assert_eq!(p.source, ConfigSource::Default, "case {i}");
        assert_eq!(p.config, gemm_default(c.caps(), &c.limits(), &small()));
        assert!(!c.tuner().notices().is_empty(), "case {i}: no warning");
    }
    // A winner recorded as dropped (wrong answer) is refused too.
    let mut v = valid.clone();
    let e = &mut v["entries"][0];
    let w = e["winner"].clone();
    for cand in e["candidates"].as_array_mut().unwrap() {
        if cand["config"] == w {
            cand["status"] = "dropped".into();
        }
    }
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    let c = tuner_ctx(TuneMode::Cached, &dir);
    assert_eq!(
        gemm_pick_with_source(&c, &small()).source,
        ConfigSource::Default
    );
    assert!(c
        .tuner()
        .notices()
        .iter()
        .any(|n| n.contains("not recorded as measured correct")));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unwritable_cache_dir_tunes_in_memory_and_says_so() {
    let dir = temp_dir("unwritable");
    // A directory below a regular file can never be created (even by root).
    let file = dir.join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let c = tuner_ctx(TuneMode::Auto, &file.join("cache"));
    let p = gemm_pick_with_source(&c, &small());
    assert_eq!(p.source, ConfigSource::Tuned);
    let notices = c.tuner().notices();
    assert!(
        notices
            .iter()
            .any(|n| n.contains("not writable") && n.contains("in memory")),
        "{notices:?}"
    );
    assert!(!c.tuner().status(&c).persistent);
    // Served from memory afterwards, without tuning again.
    let runs = c.tuner().stats().tuning_runs;
    assert_eq!(
        gemm_pick_with_source(&c, &small()).source,
        ConfigSource::Cache
    );
    assert_eq!(c.tuner().stats().tuning_runs, runs);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A fake op whose candidates do a known amount of FMA work: the fastest ones fail to build or
/// give wrong answers, so the tuner must drop them and pick the fastest correct one.
struct Fake;

struct FakePrepared {
    pipeline: std::sync::Arc<wgpu::ComputePipeline>,
    bind: wgpu::BindGroup,
    wrong_at_full_size: bool,
}

impl Prepared for FakePrepared {
    fn record(&self, pass: &mut wgpu::ComputePass<'_>) {
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &self.bind, &[]);
        pass.dispatch_workgroups(16, 1, 1);
    }
    fn check_output<'a>(
        &'a self,
        _ctx: &'a Context,
    ) -> futures::future::LocalBoxFuture<'a, Result<(), String>> {
        Box::pin(std::future::ready(if self.wrong_at_full_size {
            Err("planted wrong answer".into())
        } else {
            Ok(())
        }))
    }
}

/// Configs: FMA steps. 4096 default (slow, correct); 256 correct (the expected winner);
/// 64 wrong at full size; 32 wrong on the small check; 16 fails to build; 32768 correct but
/// over 3× slower than the best before it (pruned).
const FAKE: [u32; 6] = [4096, 256, 64, 32, 16, 32768];

impl TuneOp for Fake {
    const NAME: &'static str = "fake";
    type Desc = u32;
    type Config = u32;
    type Bucket = u32;
    fn shaders() -> Vec<Shader> {
        vec![wgkernels::probe::FMA]
    }
    fn bucket(d: &u32) -> (u32, u32) {
        (*d, *d)
    }
    fn shape_json(d: &u32) -> serde_json::Value {
        serde_json::json!({ "n": d })
    }
    fn default_config(_: &wgkernels::Capabilities, _: &wgpu::Limits, _: &u32) -> u32 {
        FAKE[0]
    }
    fn candidates(_: &wgkernels::Capabilities, _: &wgpu::Limits, _: &u32) -> Vec<u32> {
        FAKE.to_vec()
    }
    fn label(c: &u32) -> String {
        format!("fma x{c}")
    }
    async fn check(_: &Context, _: &u32, c: u32) -> Result<(), String> {
        if c == 32 {
            Err("planted small-check failure".into())
        } else {
            Ok(())
        }
    }
    fn prepare(ctx: &Context, _: &u32, c: u32) -> wgkernels::Result<Box<dyn Prepared>> {
        if c == 16 {
            return Err(wgkernels::Error::Unsupported(
                "planted build failure".into(),
            ));
        }
        let pipeline = ctx.pipeline(
            wgkernels::probe::FMA,
            Spec::new(DType::F32),
            "main",
            &[("ITERS", c as f64)],
        )?;
        let out = ctx.storage("fake out", 16 * 256 * 16)?;
        let bind = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: out.as_entire_binding(),
            }],
        });
        Ok(Box::new(FakePrepared {
            pipeline,
            bind,
            wrong_at_full_size: c == 64,
        }))
    }
}

#[test]
fn failing_and_slow_candidates_are_dropped_or_pruned_never_chosen() {
    let dir = temp_dir("fake");
    let c = tuner_ctx(TuneMode::Cached, &dir);
    let opts = TuneOptions {
        margin: 0.0,
        ..TuneOptions::quick()
    };
    let e = tune::<Fake>(&c, &7, &opts, &mut |_, _, _| {}).unwrap();
    let status = |cfg: u32| {
        e.candidates
            .iter()
            .find(|r| r.config == serde_json::json!(cfg))
            .map(|r| (r.status, r.reason.clone()))
            .unwrap()
    };
    assert_eq!(status(16).0, CandidateStatus::Dropped);
    assert!(status(16).1.unwrap().contains("failed to build"));
    assert_eq!(status(32).0, CandidateStatus::Dropped);
    assert!(status(32).1.unwrap().contains("small check"));
    assert_eq!(status(64).0, CandidateStatus::Dropped);
    assert!(status(64).1.unwrap().contains("wrong answer at full size"));
    assert_eq!(status(32768).0, CandidateStatus::Pruned);
    assert!(status(32768).1.unwrap().contains("the best so far"));
    assert_eq!(status(256).0, CandidateStatus::Ok);
    assert_eq!(e.winner, Some(serde_json::json!(256)), "{e:#?}");
    // And the pick follows the stored winner.
    let p = pick::<Fake>(&tuner_ctx(TuneMode::Cached, &dir), &7);
    assert_eq!((p.config, p.source), (256, ConfigSource::Cache));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The browser's path, `tune_async`, is the same measurement as `tune` (which blocks on it):
/// same drops, prunes and winner on the fake op; its progress futures are awaited once per
/// candidate plus the final rounds; a second run on the context while one is in progress is
/// refused rather than interleaved.
#[test]
fn async_tuning_is_the_same_measurement_with_awaited_progress() {
    let dir = temp_dir("fake-async");
    let c = tuner_ctx(TuneMode::Cached, &dir);
    let opts = TuneOptions {
        margin: 0.0,
        ..TuneOptions::quick()
    };
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let awaited = std::rc::Rc::new(std::cell::Cell::new(0));
    let (s, a) = (seen.clone(), awaited.clone());
    let mut progress = move |i: usize, n: usize, label: &str| {
        s.borrow_mut().push((i, n, label.to_string()));
        let a = a.clone();
        Box::pin(async move { a.set(a.get() + 1) }) as futures::future::LocalBoxFuture<'static, ()>
    };
    let e = pollster::block_on(tune_async::<Fake>(&c, &7, &opts, &mut progress)).unwrap();
    let status = |cfg: u32| {
        e.candidates
            .iter()
            .find(|r| r.config == serde_json::json!(cfg))
            .map(|r| r.status)
            .unwrap()
    };
    assert_eq!(
        [16, 32, 64, 32768, 256].map(status),
        [
            CandidateStatus::Dropped,
            CandidateStatus::Dropped,
            CandidateStatus::Dropped,
            CandidateStatus::Pruned,
            CandidateStatus::Ok
        ]
    );
    assert_eq!(e.winner, Some(serde_json::json!(256)), "{e:#?}");
    let seen = seen.borrow();
    let n = FAKE.len();
    assert_eq!(seen.len(), n + 1, "{seen:?}");
    assert_eq!(awaited.get(), n + 1, "every progress future is awaited");
    assert!(seen[..n]
        .iter()
        .enumerate()
        .all(|(i, p)| p.0 == i && p.1 == n));
    assert_eq!(seen[n].0, n);
    assert_eq!(seen[0].2, "fma x4096");
    assert_eq!(
        pick::<Fake>(&c, &7).config,
        256,
        "the in-memory entry serves picks"
    );
    // A second run while the first holds the context: refused, not interleaved.
    let (first, second) = pollster::block_on(async {
        // The first run yields at each progress call (as a page does), holding the context.
        let mut p1 = |_: usize, _: usize, _: &str| {
            let mut yielded = false;
            Box::pin(std::future::poll_fn(move |cx| {
                if yielded {
                    return std::task::Poll::Ready(());
                }
                yielded = true;
                cx.waker().wake_by_ref();
                std::task::Poll::Pending
            })) as futures::future::LocalBoxFuture<'static, ()>
        };
        let mut p2 = |_: usize, _: usize, _: &str| {
            Box::pin(futures::future::ready(())) as futures::future::LocalBoxFuture<'static, ()>
        };
        let force = TuneOptions {
            force: true,
            ..opts.clone()
        };
        futures::future::join(
            tune_async::<Fake>(&c, &7, &force, &mut p1),
            tune_async::<Fake>(&c, &7, &force, &mut p2),
        )
        .await
    });
    assert!(first.is_ok(), "{first:?}");
    let err = second.unwrap_err().to_string();
    assert!(err.contains("already in progress"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn concurrent_writers_keep_every_entry_and_a_valid_file() {
    let dir = temp_dir("concurrent");
    let opts = TuneOptions {
        iters: 1,
        final_rounds: 0,
        ..TuneOptions::quick()
    };
    std::thread::scope(|s| {
        for t in 0..3u32 {
            let dir = dir.clone();
            let opts = opts.clone();
            s.spawn(move || {
                // Each thread is its own "process": its own tuner on the same directory.
                let c = tuner_ctx(TuneMode::Cached, &dir);
                for i in 0..4u32 {
                    tune::<Fake>(&c, &(100 * t + i), &opts, &mut |_, _, _| {}).unwrap();
                }
            });
        }
    });
    let c = tuner_ctx(TuneMode::Cached, &dir);
    let st = c.tuner().status(&c);
    assert!(st.state.starts_with("loaded"), "{}", st.state);
    assert_eq!(
        st.entries.iter().filter(|e| e.op == "fake").count(),
        12,
        "entries lost"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp") || n.ends_with(".lock"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The bucket of an f32 GEMM without transposes or broadcasts.
fn gemm_bucket(m: u32, n: u32, k: u32, batch: u32, read_c: bool) -> GemmBucket {
    GemmBucket {
        dtype: DType::F32,
        m,
        n,
        k,
        batch,
        trans_a: false,
        trans_b: false,
        broadcast_a: false,
        broadcast_b: false,
        read_c,
    }
}

#[test]
fn buckets_round_sizes_to_powers_of_two_and_keep_layout() {
    let b = |d: GemmDesc| GemmTune::bucket(&d).0;
    assert_eq!(
        b(GemmDesc::new(1000, 1000, 1000)),
        gemm_bucket(1024, 1024, 1024, 1, false)
    );
    assert_eq!(
        b(GemmDesc::new(1024, 1024, 1024)),
        b(GemmDesc::new(513, 600, 1000))
    );
    assert_ne!(
        b(GemmDesc::new(1024, 1024, 1024)),
        b(GemmDesc::new(1024, 1024, 1024).trans(true, false))
    );
    assert_ne!(
        b(GemmDesc::new(64, 64, 64)),
        b(GemmDesc::new(64, 64, 64).dtype(DType::F16))
    );
    assert_eq!(
        b(GemmDesc::new(4000, 1, 4000)),
        gemm_bucket(4096, 1, 4096, 1, false)
    );
    assert_eq!(
        b(GemmDesc::new(30, 30, 30).batch(3).scale(1.0, 0.5)),
        gemm_bucket(32, 32, 32, 4, true)
    );
    // The representative problem is a valid problem even where rounding would overflow.
    let (_, rep) = GemmTune::bucket(&GemmDesc::new(50000, 50000, 1));
    assert!(GemmDesc::new(50000, 50000, 1).validate().is_ok());
    assert!(rep.validate().is_ok());
}

#[test]
fn tune_mode_parses_and_env_names_are_documented() {
    assert_eq!("auto".parse::<TuneMode>().unwrap(), TuneMode::Auto);
    assert_eq!("Off".parse::<TuneMode>().unwrap(), TuneMode::Off);
    assert!("sometimes".parse::<TuneMode>().is_err());
    assert_eq!(TuneMode::default(), TuneMode::Cached);
    assert_eq!(wgkernels::tune::CACHE_DIR_ENV, "WGKERNELS_CACHE_DIR");
    let a = ctx().adapter_id();
    let p = cache::file_path(Path::new("/x"), &a);
    assert!(p.to_string_lossy().ends_with(".json"));
    assert_eq!(
        p,
        cache::file_path(Path::new("/x"), &a),
        "file name is stable"
    );
}

#[test]
fn a_winner_that_cannot_run_a_call_of_its_bucket_falls_back_to_the_fastest_that_can() {
    let dir = temp_dir("fallback");
    let path = tuned_file(&dir);
    let mut v = read_json(&path);
    // Make a candidate that needs N % 4 == 0 (the subgroup variant) the winner.
    let c = ctx();
    let e = &mut v["entries"][0];
    let picky = e["candidates"].as_array().unwrap().iter().find(|r| {
        r["status"] == "ok"
            && serde_json::from_value::<GemmConfig>(r["config"].clone())
                .is_ok_and(|g| !g.valid_for(c.caps(), &c.limits(), &GemmDesc::new(100, 127, 60)))
    });
    let Some(picky) = picky.cloned() else {
        eprintln!("skipped: no measured candidate on this adapter has a shape constraint inside the bucket");
        return;
    };
    e["winner"] = picky["config"].clone();
    e["winner_label"] = picky["label"].clone();
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    let t = tuner_ctx(TuneMode::Cached, &dir);
    let winner: GemmConfig = serde_json::from_value(picky["config"].clone()).unwrap();
    // A call it can run gets it.
    let p = gemm_pick_with_source(&t, &GemmDesc::new(100, 124, 60));
    assert_eq!((p.config, p.source), (winner, ConfigSource::Cache));
    // A call of the same bucket it cannot run gets the fastest stored candidate that can.
    let odd = GemmDesc::new(100, 127, 60);
    let p = gemm_pick_with_source(&t, &odd);
    assert_eq!(p.source, ConfigSource::Cache);
    assert_ne!(p.config, winner);
    assert!(p.config.valid_for(t.caps(), &t.limits(), &odd));
    let ms = |cfg: &GemmConfig| {
        let e = &v["entries"][0]["candidates"];
        e.as_array()
            .unwrap()
            .iter()
            .find(|r| r["config"] == serde_json::to_value(cfg).unwrap())
            .unwrap()["median_ms"]
            .as_f64()
            .unwrap()
    };
    for r in v["entries"][0]["candidates"].as_array().unwrap() {
        if let Ok(g) = serde_json::from_value::<GemmConfig>(r["config"].clone()) {
            if r["status"] == "ok" && g.valid_for(t.caps(), &t.limits(), &odd) {
                assert!(
                    ms(&p.config) <= r["median_ms"].as_f64().unwrap(),
                    "not the fastest that can run it"
                );
            }
        }
    }
    assert!(t.tuner().notices().is_empty(), "{:?}", t.tuner().notices());
    assert!(wgkernels::ops::gemm::verify::check_gemm(&t, &odd, p.config, 3).pass);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn f16_bucket_tunes_every_variant_and_f32_never_tunes_into_coop() {
    if !common::has_f16("f16_bucket_tunes_every_variant") {
        return;
    }
    let dir = temp_dir("f16");
    let c = tuner_ctx(TuneMode::Cached, &dir);
    let d = GemmDesc::new(60, 64, 50).dtype(DType::F16);
    let e = tune::<GemmTune>(&c, &d, &TuneOptions::quick(), &mut |_, _, _| {}).unwrap();
    assert!(e.winner.is_some(), "{e:#?}");
    let dropped: Vec<_> = e
        .candidates
        .iter()
        .filter(|r| r.status == CandidateStatus::Dropped)
        .collect();
    assert!(dropped.is_empty(), "candidates failed: {dropped:#?}");
    let variants = |e: &wgkernels::tune::TuneEntry| -> Vec<String> {
        e.candidates
            .iter()
            .map(|r| r.config["variant"].as_str().unwrap().to_string())
            .collect()
    };
    if common::has_coop("f16 coop tuning") {
        assert!(
            variants(&e).iter().any(|v| v == "coop"),
            "coop never tuned for f16"
        );
    }
    // f32 storage: cooperative matrices round to f16, so tuning never considers them.
    let e32 = tune::<GemmTune>(
        &c,
        &GemmDesc::new(60, 64, 50),
        &TuneOptions::quick(),
        &mut |_, _, _| {},
    )
    .unwrap();
    assert!(variants(&e32).iter().all(|v| v != "coop"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// What a plugged-in op must show after a quick tuning run of `desc`: every candidate recorded
/// (none failed), a winner no slower than the default by the margin rule, and a fresh tuner on
/// the same directory answering any call of the bucket from the cache with no tuning runs.
fn tuned_and_served<T: TuneOp>(dir: &Path, desc: &T::Desc, other: &T::Desc) -> T::Config {
    let c = tuner_ctx(TuneMode::Cached, dir);
    let (bucket, rep) = bucket_key::<T>(desc);
    assert_eq!(
        bucket_key::<T>(other).0,
        bucket,
        "{other:?} in another bucket"
    );
    let e = tune::<T>(&c, desc, &TuneOptions::quick(), &mut |_, _, _| {}).unwrap();
    assert_eq!(e.op, T::NAME);
    let cands = T::candidates(c.caps(), &c.limits(), &rep);
    assert_eq!(e.candidates.len(), cands.len(), "{e:#?}");
    let dropped: Vec<_> = e
        .candidates
        .iter()
        .filter(|r| r.status == CandidateStatus::Dropped)
        .collect();
    assert!(
        dropped.is_empty(),
        "{} candidates failed: {dropped:#?}",
        T::NAME
    );
    let winner: T::Config = serde_json::from_value(e.winner.clone().expect("a winner")).unwrap();
    assert!(cands.contains(&winner));
    assert!(
        e.winner_ms.unwrap() <= e.default_ms.unwrap() * 1.0001,
        "{e:#?}"
    );
    let fresh = tuner_ctx(TuneMode::Cached, dir);
    for d in [desc, other] {
        let p = pick::<T>(&fresh, d);
        assert_eq!(p.source, ConfigSource::Cache, "{d:?}");
        assert_eq!(p.config, winner, "{d:?}");
    }
    let st = fresh.tuner().stats();
    assert_eq!((st.tuning_runs, st.cache_hits), (0, 2), "{st:?}");
    assert!(
        fresh.tuner().notices().is_empty(),
        "{:?}",
        fresh.tuner().notices()
    );
    winner
}

#[test]
fn fft_and_fftconv_are_tuned_cached_and_their_plans_use_the_cache() {
    use wgkernels::ops::fft::config::fft_candidates;
    use wgkernels::ops::fft::tune::fft_pick_with_source;
    use wgkernels::ops::fft::tune::FftTune;
    use wgkernels::ops::fftconv::tune::FftConvTune;
    use wgkernels::{FftConvDesc, FftConvPlan, FftDesc, FftPlan};
    let dir = temp_dir("fft");
    let d = FftDesc::new(1024).batch(16);
    let w = tuned_and_served::<FftTune>(&dir, &d, &FftDesc::new(1024).batch(9));
    // The tuner's candidates are the dispatcher's list, whatever variants it holds.
    let c = tuner_ctx(TuneMode::Cached, &dir);
    assert_eq!(
        FftTune::candidates(c.caps(), &c.limits(), &d),
        fft_candidates(c.caps(), &c.limits(), &d)
    );
    assert_eq!(*FftPlan::new(&c, d, None).unwrap().config(), w);
    assert_eq!(fft_pick_with_source(&c, &d).source, ConfigSource::Cache);
    let chk = wgkernels::ops::fft::verify::check_fft(&c, &FftDesc::new(1024).batch(5), None, 2);
    assert!(chk.pass, "{chk:?}");
    // Bluestein lengths share the bucket of their inner power of two.
    assert_eq!(
        FftTune::bucket(&FftDesc::new(1000).batch(3)).0,
        wgkernels::ops::fft::tune::FftBucket {
            dtype: DType::F32,
            n: 2048,
            bluestein: true,
            batch: 4,
            inverse: false,
        }
    );
    assert_eq!(
        FftTune::bucket(&FftDesc::new(1000)).0,
        FftTune::bucket(&FftDesc::new(600)).0
    );
    // The representative of a bucket takes Bluestein (1019 for 2048, 1018 = 1019 − 1 = 2 · 509
    // not smooth; the former 1023 = 3 · 11 · 31 ran the mixed-radix kernel, 1022 = 14 · 73 runs
    // Rader's).
    let (_, rep) = FftTune::bucket(&FftDesc::new(1000));
    assert_eq!(rep.n, 1019);
    assert_eq!(
        wgkernels::ops::fft::length_route(&c, rep.n),
        Some("bluestein")
    );
    for n in [59u32, 167, 4097, 10007] {
        let (b, rep) = FftTune::bucket(&FftDesc::new(n));
        assert_eq!(FftDesc::new(rep.n).inner_len(), b.n as u64, "{n}");
        assert_eq!(
            wgkernels::ops::fft::length_route(&c, rep.n),
            Some("bluestein"),
            "{n}"
        );
    }
    assert_ne!(
        FftTune::bucket(&FftDesc::new(1024)).0,
        FftTune::bucket(&FftDesc::new(1024).inverse(true)).0
    );

    let cd = FftConvDesc::new(1, 4, 1000, 100);
    let b = FftConvTune::bucket(&cd).0;
    assert_eq!((b.b, b.h, b.l, b.lk), (1, 4, 1024, 128));
    assert!(!b.circular && !b.pre_gate && !b.post_gate && b.path.is_none());
    let w = tuned_and_served::<FftConvTune>(&dir, &cd, &FftConvDesc::new(1, 3, 1024, 128));
    let plan = FftConvPlan::new(&c, cd, None).unwrap();
    let _ = (plan, w);
    let chk = wgkernels::ops::fftconv::verify::check_fftconv(&c, &cd, 3);
    assert!(chk.pass, "{chk:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn nd_transforms_are_tuned_cached_and_their_plans_use_the_cache() {
    use wgkernels::ops::fft::nd_tune::NdTune;
    use wgkernels::{FftNdDesc, FftNdPlan, NdConfig, NdTransform, Norm};
    let dir = temp_dir("fft_nd");
    // A power-of-two column axis (strided passes possible) and a Bluestein row axis.
    let d = FftNdDesc::new(&[3, 64, 48], &[1, 2], NdTransform::C2c { inverse: false });
    // Strides and the normalisation do not change the bucket.
    let other = d
        .clone()
        .norm(Norm::Ortho)
        .in_strides(&[2 * 64 * 48, 48, 1]);
    let w = tuned_and_served::<NdTune>(&dir, &d, &other);
    let c = tuner_ctx(TuneMode::Cached, &dir);
    assert_eq!(
        NdTune::candidates(c.caps(), &c.limits(), &d).len(),
        NdConfig::all().len()
    );
    assert_eq!(*FftNdPlan::new(&c, d.clone()).unwrap().config(), w);
    // Another shape, transform or direction is another bucket.
    for o in [
        FftNdDesc::new(&[3, 64, 64], &[1, 2], NdTransform::C2c { inverse: false }),
        FftNdDesc::new(&[3, 64, 48], &[1, 2], NdTransform::C2c { inverse: true }),
        FftNdDesc::new(&[3, 64, 48], &[1, 2], NdTransform::R2c),
        FftNdDesc::new(&[3, 64, 48], &[2], NdTransform::C2c { inverse: false }),
    ] {
        assert_ne!(NdTune::bucket(&o).0, NdTune::bucket(&d).0, "{o:?}");
    }
    let chk = pollster::block_on(wgkernels::ops::fft::verify::check_nd_async(
        &c, &other, None, 3,
    ));
    assert!(chk.pass, "{chk:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn frequency_layers_are_tuned_cached_and_their_plans_use_the_cache() {
    use wgkernels::ops::fft::nd_tune::FilterTune;
    use wgkernels::{FilterConfig, FilterDesc, FilterPlan};
    let dir = temp_dir("fft_filter");
    // A map the fused kernel takes: fused and the six chains compete.
    let d = FilterDesc::new(5, 14, 12);
    let w = tuned_and_served::<FilterTune>(&dir, &d, &FilterDesc::new(7, 14, 12));
    let c = tuner_ctx(TuneMode::Cached, &dir);
    let cands = FilterTune::candidates(c.caps(), &c.limits(), &d);
    assert!(cands.contains(&w), "{w:?} not in {cands:?}");
    assert_eq!(FilterPlan::new(&c, d).unwrap().config(), w);
    // Another map, batch range or storage type is another bucket.
    for o in [
        FilterDesc::new(5, 12, 14),
        FilterDesc::new(9, 14, 12),
        FilterDesc::new(5, 14, 12).dtype(DType::F16),
    ] {
        assert_ne!(FilterTune::bucket(&o).0, FilterTune::bucket(&d).0, "{o:?}");
    }
    // A map over the fused kernel's size has only chains to choose from.
    let big = FilterDesc::new(2, 128, 96);
    let big_cands = FilterTune::candidates(c.caps(), &c.limits(), &big);
    assert_eq!(big_cands.len(), wgkernels::NdConfig::all().len());
    assert!(!big_cands.contains(&FilterConfig::Fused));

    // The DCT low-pass: which transpose kernel, per map, k and batch range.
    use wgkernels::ops::fft::nd_tune::LowpassTune;
    use wgkernels::{DctLowpassDesc, DctLowpassPlan};
    let l = DctLowpassDesc::new(3, 24, 20, 5);
    let lw = tuned_and_served::<LowpassTune>(&dir, &l, &DctLowpassDesc::new(4, 24, 20, 5));
    let c = tuner_ctx(TuneMode::Cached, &dir);
    assert_eq!(DctLowpassPlan::new(&c, l).unwrap().config(), lw);
    assert_eq!(LowpassTune::candidates(c.caps(), &c.limits(), &l).len(), 2);
    assert_ne!(
        LowpassTune::bucket(&DctLowpassDesc::new(3, 24, 20, 4)).0,
        LowpassTune::bucket(&l).0
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn attention_is_tuned_cached_and_its_plans_use_the_cache() {
    use wgkernels::ops::attention::tune::attention_pick_with_source;
    use wgkernels::ops::attention::tune::AttentionTune;
    use wgkernels::ops::attention::tune::AttnTuneDesc;
    use wgkernels::{AttentionDesc, AttentionPlan};
    let dir = temp_dir("attn");
    let c0 = ctx();
    let a = AttentionDesc::new(1, 2, 100, 32);
    let bq = AttentionPlan::block_sizes(c0, &a).0;
    let d = AttnTuneDesc {
        desc: a,
        block_q: bq,
    };
    assert_eq!(
        AttentionTune::bucket(&d).0,
        wgkernels::ops::attention::tune::AttentionBucket {
            dtype: DType::F32,
            batch: 1,
            heads_kv: 2,
            group: 1,
            nq: 128,
            nkv: 128,
            head_dim: 32,
            value_dim: 32,
            block_q: bq,
            lse: false,
        }
    );
    // A value head dim other than Dqk is its own bucket.
    let dv = AttnTuneDesc {
        desc: a.value_dim(16),
        block_q: bq,
    };
    assert_ne!(AttentionTune::bucket(&dv).0, AttentionTune::bucket(&d).0);
    assert_eq!(AttentionTune::bucket(&dv).0.value_dim, 16);
    let other = AttnTuneDesc {
        desc: AttentionDesc::new(1, 2, 128, 32).kv_len(77),
        block_q: bq,
    };
    let w = tuned_and_served::<AttentionTune>(&dir, &d, &other);
    let c = tuner_ctx(TuneMode::Cached, &dir);
    let p = attention_pick_with_source(&c, &a, bq);
    assert_eq!((p.config, p.source), (w, ConfigSource::Cache));
    let plan = AttentionPlan::new(&c, a, None, None).unwrap();
    assert_eq!(plan.config().variant(), w.variant());
    assert_eq!(plan.config().rows_per_workgroup(), w.rows_per_workgroup());
    let chk = wgkernels::ops::attention::verify::check_attention(
        &c,
        &wgkernels::ops::attention::verify::AttnCase::dense(a),
        None,
        5,
    );
    assert!(chk.pass, "{chk:?}");
    // Decode and GQA keep their own buckets.
    let dec = AttnTuneDesc {
        desc: AttentionDesc::new(1, 8, 1, 64).kv_len(4096),
        block_q: 16,
    };
    let gqa = AttnTuneDesc {
        desc: AttentionDesc::new(1, 8, 1, 64).gqa(2).kv_len(4096),
        block_q: 16,
    };
    assert_ne!(AttentionTune::bucket(&dec).0, AttentionTune::bucket(&gqa).0);
    assert_eq!(AttentionTune::bucket(&dec).0.nq, 1);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A hand-made entry of `op` for bucket `{"n": n}` whose winner is labelled `label`.
fn hand_entry(op: &str, n: u32, label: &str) -> cache::TuneEntry {
    cache::TuneEntry {
        op: op.into(),
        bucket: serde_json::json!({ "n": n }),
        shape: serde_json::json!({ "n": n }),
        timing: "gpu".into(),
        winner: Some(serde_json::json!({ "label": label })),
        winner_label: Some(label.into()),
        default_label: "default".into(),
        winner_ms: Some(1.0),
        default_ms: Some(2.0),
        candidates: Vec::new(),
        tuned_at_unix: 0,
        shader_hash: "0".into(),
    }
}

fn cache_with(key: &cache::CacheKey, entries: Vec<cache::TuneEntry>) -> cache::CacheFile {
    let mut f = cache::CacheFile::empty(key.clone());
    for e in entries {
        f.put(e);
    }
    f
}

#[test]
fn import_keeps_other_adapters_apart_and_refuses_other_drivers() {
    let dir = temp_dir("import");
    let here = cache::CacheKey::new(ctx().adapter_id());
    let mut other = here.clone();
    other.adapter.name = "Some Other GPU".into();
    other.adapter.device ^= 0x1234;
    let mut other_driver = here.clone();
    other_driver.adapter.driver_info = "another driver version".into();
    // This adapter already has bucket 1 measured here; the import brings 1 and 2 for it, one
    // bucket of another adapter and one of this adapter under another driver.
    cache::write_atomic(
        &cache::file_path(&dir, &here.adapter),
        &cache_with(&here, vec![hand_entry("gemm", 1, "measured here")]),
    )
    .unwrap();
    let mut export = cache::ExportFile::new();
    export.add(cache_with(
        &here,
        vec![
            hand_entry("gemm", 1, "imported"),
            hand_entry("gemm", 2, "imported"),
        ],
    ));
    export.add(cache_with(
        &other,
        vec![hand_entry("gemm", 3, "other adapter")],
    ));
    export.add(cache_with(
        &other_driver,
        vec![hand_entry("gemm", 4, "other driver")],
    ));
    let out = cache::import(&dir, &here, &export);
    assert_eq!(out.len(), 3, "{out:?}");
    assert!(
        matches!(
            &out[0],
            cache::ImportOutcome::Applied {
                added: 1,
                kept: 1,
                ..
            }
        ),
        "{out:?}"
    );
    let other_path = cache::file_path(&dir, &other.adapter);
    assert!(
        matches!(&out[1], cache::ImportOutcome::KeptApart { path, added: 1, .. } if *path == other_path),
        "{out:?}"
    );
    assert!(
        matches!(&out[2], cache::ImportOutcome::Refused { why, .. } if why.contains("stale")),
        "{out:?}"
    );
    // This adapter's cache: its own measurement kept, the new bucket added, nothing foreign.
    let mine = match cache::load(&cache::file_path(&dir, &here.adapter), &here) {
        cache::Loaded::Valid(f) => f,
        x => panic!("{x:?}"),
    };
    let labels: Vec<_> = mine
        .entries
        .iter()
        .map(|e| e.winner_label.clone().unwrap())
        .collect();
    assert_eq!(labels, ["measured here", "imported"]);
    // The other adapter's entries live in its own file, which this adapter never loads.
    assert_ne!(other_path, cache::file_path(&dir, &here.adapter));
    assert!(
        matches!(cache::load(&other_path, &here), cache::Loaded::Invalid(w) if w.contains("foreign"))
    );
    assert!(
        matches!(cache::load(&other_path, &other), cache::Loaded::Valid(f) if f.entries.len() == 1)
    );
    // A tuner on this adapter sees bucket 2 and never bucket 3 or 4.
    let c = tuner_ctx(TuneMode::Cached, &dir);
    let t = c.tuner();
    assert!(t.entry(&c, "gemm", &serde_json::json!({"n": 2})).is_some());
    assert!(t.entry(&c, "gemm", &serde_json::json!({"n": 3})).is_none());
    assert!(t.entry(&c, "gemm", &serde_json::json!({"n": 4})).is_none());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn tune_export_then_import_through_the_cli() {
    let dir = temp_dir("export-cli");
    let (src, dst, file) = (dir.join("src"), dir.join("dst"), dir.join("export.json"));
    let here = cache::CacheKey::new(ctx().adapter_id());
    cache::write_atomic(
        &cache::file_path(&src, &here.adapter),
        &cache_with(&here, vec![hand_entry("gemm", 7, "shipped")]),
    )
    .unwrap();
    let cli = |args: &[&str], cache_dir: &Path| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_wgkernels"))
            .args(args)
            .arg("--cache-dir")
            .arg(cache_dir)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let f = file.to_str().unwrap();
    let (code, text) = cli(&["tune", "--export", f], &src);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("exported 1 entries"), "{text}");
    // Rewritten as another adapter's export: imported apart, this adapter's cache untouched.
    let mut v = read_json(&file);
    assert_eq!(v["kind"], cache::EXPORT_KIND);
    v["caches"][0]["key"]["adapter"]["name"] = "Imaginary GPU 9000".into();
    let foreign = dir.join("foreign.json");
    std::fs::write(&foreign, serde_json::to_vec(&v).unwrap()).unwrap();
    let (code, text) = cli(&["tune", "--import", foreign.to_str().unwrap()], &dst);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("kept apart") && text.contains("never used on this adapter"),
        "{text}"
    );
    assert!(!cache::file_path(&dst, &here.adapter).exists());
    // The real export: applied here.
    let (code, text) = cli(&["tune", "--import", f], &dst);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("this adapter: 1 entries added"), "{text}");
    assert!(matches!(
        cache::load(&cache::file_path(&dst, &here.adapter), &here),
        cache::Loaded::Valid(c) if c.entries[0].winner_label.as_deref() == Some("shipped")
    ));
    // Not an export: exit 2.
    let (code, text) = cli(
        &["tune", "--import", dir.join("src").to_str().unwrap()],
        &dst,
    );
    assert_eq!(code, Some(2), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
