//! Attention cases of the vendor report: the dense kernel, the block-sparse kernel at densities
//! 1, 1/2, 1/4, 1/8, 1/16 (ratios to dense measured in the same run), structured patterns, and
//! the split-KV decode path (GB/s of K+V). Full mode adds the score modifiers and sinks under
//! the causal mask at the target shape (the way decoders use them), each timed in the same
//! alternating rounds as the plain causal kernel (their ratio to it is the note), and a
//! paged-KV decode of 16 sequences against the contiguous decode of the same data.

use super::work::attention_work;
use crate::dtype::{DType, Element};
use crate::error::Result;
use crate::harness::bench::iters;
use crate::harness::tolerance::compare;
use crate::harness::tolerance::Tolerance;
use crate::ops::attention::config::AttentionConfig;
use crate::ops::attention::reference::attention_ref_mods;
use crate::ops::attention::verify::attention_compute_dtype;
use crate::ops::attention::verify::unit_data;
use crate::ops::attention::{
    AttentionDesc, AttentionPlan, BlockMask, GrowingMask, MaskBuilder, PagedKv, Pattern, ScoreMods,
};
use crate::probe::Peaks;
use crate::report::BenchResult;
use crate::runtime::{time_gpu, Context};

/// Query rows of each head checked against the reference during a bench (a spot check).
const CHECK_ROWS: u32 = 4;

/// What a bench case measures.
#[derive(Clone, Debug)]
pub enum AttnBenchKind {
    /// The dense kernel (no mask).
    Dense,
    /// A random block map keeping `keep` of every `of` KV blocks in each query-block row.
    Density {
        /// Blocks kept per `of`.
        keep: u32,
        /// Group size.
        of: u32,
    },
    /// A named pattern.
    Pattern(Pattern),
    /// Decode: few queries, memory-bound on K and V (reported in GB/s of K+V).
    Decode,
}

/// One bench case.
#[derive(Clone, Debug)]
pub struct AttnBenchCase {
    /// The call.
    pub desc: AttentionDesc,
    /// What is measured.
    pub kind: AttnBenchKind,
    /// A fixed configuration (`None`: the dispatcher's).
    pub config: Option<AttentionConfig>,
    /// Score modifiers and sinks (none for most cases).
    pub mods: ScoreMods,
}

/// The target shape: B=1, H=8, N=4096, D=64, f32.
pub fn target_desc() -> AttentionDesc {
    AttentionDesc::new(1, 8, 4096, 64)
}

/// The attention cases of the report. Both modes: dense and the density sweep at the target
/// shape, and the decode shape (Nq = 1, Nkv = 4096, H = 8, D = 64). Full mode adds structured
/// patterns, f16 and other head dims.
pub fn attention_bench_cases(ctx: &Context, quick: bool) -> Vec<AttnBenchCase> {
    let d = target_desc();
    let case = |desc, kind| AttnBenchCase {
        desc,
        kind,
        config: None,
        mods: ScoreMods::none(),
    };
    let mut v = vec![case(d, AttnBenchKind::Dense)];
    for of in [1, 2, 4, 8, 16] {
        v.push(case(d, AttnBenchKind::Density { keep: 1, of }));
    }
    v.push(case(
        AttentionDesc::new(1, 8, 1, 64).kv_len(4096),
        AttnBenchKind::Decode,
    ));
    if !quick {
        v.push(case(d, AttnBenchKind::Pattern(Pattern::Causal)));
        // Each modifier under the causal mask (Gemma 2's attention cap of 50; standard ALiBi
        // slopes; sinks that differ per head), then all three. Causal, because ALiBi's bias
        // slope·(j − i') is meant for keys at or before the query: without the mask the row's
        // weight sits on keys thousands of positions ahead, whose scores (~10³) f32 holds only
        // to ~10⁻⁴ absolute, beyond the spot check's bound.
        let h = d.heads_q;
        let sinks: Vec<f32> = (0..h).map(|i| 0.25 * i as f32 - 1.0).collect();
        for mods in [
            ScoreMods::none().softcap(50.0),
            ScoreMods::none().alibi(ScoreMods::alibi_standard(h)),
            ScoreMods::none().sinks(sinks.clone()),
            ScoreMods::none()
                .softcap(50.0)
                .alibi(ScoreMods::alibi_standard(h))
                .sinks(sinks),
            // T5's defaults (32 bidirectional buckets, max distance 128), and a bias tensor
            // broadcast over heads (one per head, 512 MiB, is over lavapipe's binding limit).
            ScoreMods::none().t5(crate::ops::attention::verify::test_t5(h, 32, 128, true)),
            ScoreMods::none().bias(crate::ops::attention::verify::test_bias(
                &d, false, false, 4,
            )),
        ] {
            v.push(AttnBenchCase {
                mods,
                ..case(d, AttnBenchKind::Pattern(Pattern::Causal))
            });
        }
        v.push(case(d, AttnBenchKind::Pattern(Pattern::window(256))));
        v.push(case(
            d,
            AttnBenchKind::Pattern(Pattern::frames(1024, 1, 64)),
        ));
        v.push(case(
            d,
            AttnBenchKind::Pattern(Pattern::window(128).or(Pattern::StripesEvery {
                stride: 256,
                offset: 0,
            })),
        ));
        if ctx.caps().f16 {
            v.push(case(d.dtype(DType::F16), AttnBenchKind::Dense));
            v.push(case(
                AttentionDesc::new(1, 8, 1, 64)
                    .kv_len(4096)
                    .dtype(DType::F16),
                AttnBenchKind::Decode,
            ));
        }
        v.push(case(
            AttentionDesc::new(1, 8, 2048, 128),
            AttnBenchKind::Dense,
        ));
        // The portable tiled variant next to the default at a smaller shape.
        let small = AttentionDesc::new(1, 8, 1024, 64);
        v.push(case(small, AttnBenchKind::Dense));
        let tiled = AttentionConfig::tiled(64, 32);
        if tiled.valid_for(ctx.caps(), &ctx.limits(), &small, 64) {
            v.push(AttnBenchCase {
                config: Some(tiled),
                ..case(small, AttnBenchKind::Dense)
            });
        }
        v.push(case(
            AttentionDesc::new(1, 32, 4, 128).gqa(8).kv_len(8192),
            AttnBenchKind::Decode,
        ));
    }
    v
}

/// A random block map keeping `keep` of every `of` blocks of each query-block row (exactly
/// `nkb·keep/of` blocks per row, rounded up; every row keeps its diagonal block).
pub fn density_pattern(
    desc: &AttentionDesc,
    bq: u32,
    bk: u32,
    keep: u32,
    of: u32,
    seed: u64,
) -> Pattern {
    use rand::seq::SliceRandom;
    use rand::SeedableRng;
    let (nqb, nkb) = (desc.nq.div_ceil(bq), desc.nkv.div_ceil(bk));
    let per_row = (nkb * keep).div_ceil(of).max(1) as usize;
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
    let mut map = vec![false; (nqb * nkb) as usize];
    for qb in 0..nqb {
        let diag = (qb * bq / bk).min(nkb - 1);
        let mut others: Vec<u32> = (0..nkb).filter(|&k| k != diag).collect();
        others.shuffle(&mut rng);
        map[(qb * nkb + diag) as usize] = true;
        for &k in others.iter().take(per_row - 1) {
            map[(qb * nkb + k) as usize] = true;
        }
    }
    Pattern::BlockMap {
        block_q: bq,
        block_kv: bk,
        map,
    }
}

/// Label of a case's kind for the shape object.
fn kind_text(k: &AttnBenchKind) -> String {
    match k {
        AttnBenchKind::Dense => "dense".into(),
        AttnBenchKind::Density { keep, of } => format!("density {keep}/{of}"),
        AttnBenchKind::Pattern(p) => p.describe(),
        AttnBenchKind::Decode => "decode".into(),
    }
}

/// Benchmarks one case. The note of a density case is filled by [`annotate_ratios`].
pub fn bench_attention_case(
    ctx: &Context,
    peaks: &Peaks,
    case: &AttnBenchCase,
    quick: bool,
) -> Result<BenchResult> {
    match case.desc.dtype {
        DType::F32 => bench_typed::<f32>(ctx, peaks, case, quick),
        DType::F16 => bench_typed::<half::f16>(ctx, peaks, case, quick),
    }
}

/// The mask of a case (None for dense and decode).
pub fn case_mask(ctx: &Context, case: &AttnBenchCase) -> Result<Option<BlockMask>> {
    let (bq, bk) = AttentionPlan::block_sizes(ctx, &case.desc);
    let b = MaskBuilder::new(case.desc.nq, case.desc.nkv, bq, bk);
    Ok(match &case.kind {
        AttnBenchKind::Dense | AttnBenchKind::Decode => None,
        AttnBenchKind::Density { keep, of } => {
            Some(b.build(&density_pattern(&case.desc, bq, bk, *keep, *of, 99))?)
        }
        AttnBenchKind::Pattern(p) => Some(b.build(p)?),
    })
}

/// A case ready to time: plan, buffers, bound form, and the host data for the spot check.
struct Prepared<T: Element> {
    case: AttnBenchCase,
    mask: Option<BlockMask>,
    plan: AttentionPlan,
    source: crate::tune::ConfigSource,
    ob: wgpu::Buffer,
    bound: crate::ops::attention::AttentionBound,
    host: [Vec<f64>; 3],
    _bufs: [wgpu::Buffer; 3],
    _t: std::marker::PhantomData<T>,
}

fn prepare<T: Element>(ctx: &Context, case: &AttnBenchCase) -> Result<Prepared<T>> {
    let d = case.desc;
    let mask = case_mask(ctx, case)?;
    let picked = match case.config {
        Some(c) => crate::tune::Picked {
            config: c,
            source: crate::tune::ConfigSource::Explicit,
        },
        None => {
            let bq = mask
                .as_ref()
                .map_or_else(|| AttentionPlan::block_sizes(ctx, &d).0, |m| m.block_q);
            crate::ops::attention::tune::attention_pick_with_source(ctx, &d, bq)
        }
    };
    let plan = AttentionPlan::with_mods(ctx, d, mask.as_ref(), &case.mods, Some(picked.config))?;
    let (q, qf) = unit_data::<T>(d.q_len_elems() as usize, 11);
    let (k, kf) = unit_data::<T>(d.kv_len_elems() as usize, 12);
    let (v, vf) = unit_data::<T>(d.v_len_elems() as usize, 13);
    let qb = ctx.upload("Q", &q)?;
    let kb = ctx.upload("K", &k)?;
    let vb = ctx.upload("V", &v)?;
    let ob = ctx.storage("O", d.o_len_elems() * d.dtype.size())?;
    let bound = plan.bind(&qb, &kb, &vb, &ob, None)?;
    Ok(Prepared {
        case: case.clone(),
        mask,
        plan,
        source: picked.source,
        ob,
        bound,
        host: [qf, kf, vf],
        _bufs: [qb, kb, vb],
        _t: std::marker::PhantomData,
    })
}

fn finish<T: Element>(
    ctx: &Context,
    peaks: &Peaks,
    p: &Prepared<T>,
    t: &crate::runtime::Timing,
) -> Result<BenchResult> {
    let d = p.case.desc;
    // Spot-check the first rows of every head of the last run.
    let got: Vec<T> = pollster::block_on(crate::runtime::read_buffer(
        ctx,
        &p.ob,
        d.o_len_elems() as usize,
    ))?;
    let [qf, kf, vf] = &p.host;
    let (want, _) = attention_ref_mods(
        &d,
        p.mask.as_ref(),
        &p.case.mods,
        qf,
        kf,
        vf,
        Some(CHECK_ROWS),
    );
    let (mut g, mut w) = (Vec::new(), Vec::new());
    let dim = d.dv() as usize;
    for bh in 0..(d.batch * d.heads_q) as usize {
        for i in 0..(d.nq.min(CHECK_ROWS)) as usize {
            let at = (bh * d.nq as usize + i) * dim;
            g.extend(got[at..at + dim].iter().map(|x| x.to_f64()));
            w.extend_from_slice(&want[at..at + dim]);
        }
    }
    let cfg = *p.plan.config();
    let compute = attention_compute_dtype(&cfg);
    let err = compare(
        &g,
        &w,
        Tolerance::attention(compute, d.dtype, d.nkv, d.head_dim),
    );
    let secs = t.median_ms * 1e-3;
    let flops = p.plan.flops();
    let (gflops, gbps, pct) = match p.case.kind {
        AttnBenchKind::Decode => {
            let bytes = (d.kv_len_elems() + d.v_len_elems()) as f64 * d.dtype.size() as f64;
            let gbps = bytes / secs / 1e9;
            (
                Some(flops / secs / 1e9),
                Some(gbps),
                Some(100.0 * gbps / peaks.copy_gbps),
            )
        }
        _ => {
            let g = flops / secs / 1e9;
            let peak = match (compute, peaks.fma_f16_gflops) {
                (DType::F16, Some(h)) => h,
                _ => peaks.fma_f32_gflops,
            };
            (Some(g), None, Some(100.0 * g / peak))
        }
    };
    let mut shape = crate::ops::attention::verify::attention_shape_json(
        &crate::ops::attention::verify::AttnCase::dense(d).mods(p.case.mods.clone()),
    );
    shape["pattern"] = serde_json::Value::String(kind_text(&p.case.kind));
    shape["work_density"] = serde_json::json!((p.plan.work_density() * 1e4).round() / 1e4);
    Ok(BenchResult {
        op: "attention".into(),
        variant: cfg.variant().name().into(),
        dtype: d.dtype,
        shape,
        median_ms: t.median_ms,
        samples_ms: t.samples_ms.clone(),
        work: Some(attention_work(
            &d,
            p.plan.work_density(),
            compute == DType::F16,
        )),
        gflops,
        gbps,
        pct_of_peak: pct,
        config: cfg.label(),
        rel_l2_err: err.rel_l2_err,
        timing: format!("{:?}", t.source).to_lowercase(),
        config_source: p.source.name().into(),
        note: if err.pass {
            String::new()
        } else {
            "FAILED reference spot check".into()
        },
        ..Default::default()
    })
}

fn bench_typed<T: Element>(
    ctx: &Context,
    peaks: &Peaks,
    case: &AttnBenchCase,
    quick: bool,
) -> Result<BenchResult> {
    let p = prepare::<T>(ctx, case)?;
    let heavy = p.plan.flops() > 5e9;
    let t = time_gpu(ctx, if heavy { 1 } else { 2 }, iters(quick), &|pass| {
        p.bound.record(pass)
    })?;
    finish(ctx, peaks, &p, &t)
}

/// Times several f32 cases in alternating rounds ([`crate::harness::bench::time_rounds`]), so that a change in
/// machine load affects all of them alike: the density sweep's ratios to dense come from the
/// same rounds.
pub fn bench_interleaved(
    ctx: &Context,
    peaks: &Peaks,
    cases: &[AttnBenchCase],
    quick: bool,
) -> Result<Vec<BenchResult>> {
    let prepared: Vec<Prepared<f32>> = cases
        .iter()
        .map(|c| prepare::<f32>(ctx, c))
        .collect::<Result<_>>()?;
    let timings =
        crate::harness::bench::time_rounds(ctx, quick, &prepared, |p, pass| p.bound.record(pass))?;
    prepared
        .iter()
        .zip(&timings)
        .map(|(p, t)| finish(ctx, peaks, p, t))
        .collect()
}

/// Whether `c` is timed in the interleaved rounds of the target shape: the dense kernel, the
/// density sweep, and the causal mask with and without modifiers.
fn in_sweep(c: &AttnBenchCase) -> bool {
    c.desc == target_desc()
        && match &c.kind {
            AttnBenchKind::Dense | AttnBenchKind::Density { .. } => true,
            AttnBenchKind::Pattern(p) => matches!(p, Pattern::Causal),
            AttnBenchKind::Decode => false,
        }
}

/// The bound on a score modifier's time over the plain kernel.
pub const MODS_TARGET: f64 = 1.10;

/// The bound for the bias tensor, which reads a score per pair from memory.
pub const BIAS_TARGET: f64 = 1.25;

/// Fills the notes of the density rows with `time(d)/time(dense)` against the target
/// `1.2·d + 0.03` (d = work density), and of the modifier rows with `time/time(plain)` against
/// [`MODS_TARGET`] ([`BIAS_TARGET`] with a bias tensor), using the plain row of the same run and
/// shape.
pub fn annotate_ratios(results: &mut [BenchResult]) {
    let attn = |r: &BenchResult| r.op == "attention";
    let plain = |r: &BenchResult| attn(r) && r.shape.get("mods").is_none();
    let dense: Vec<(serde_json::Value, f64)> = results
        .iter()
        .filter(|r| plain(r) && r.shape["pattern"] == "dense")
        .map(|r| (shape_key(&r.shape), r.median_ms))
        .collect();
    // Plain rows by their whole shape: the baselines of the modifier rows.
    let plains: Vec<(serde_json::Value, f64)> = results
        .iter()
        .filter(|r| plain(r))
        .map(|r| (r.shape.clone(), r.median_ms))
        .collect();
    for r in results.iter_mut().filter(|r| attn(r)) {
        if r.shape.get("mods").is_some() {
            let mut key = r.shape.clone();
            if let Some(o) = key.as_object_mut() {
                o.remove("mods");
            }
            if let Some((_, base)) = plains.iter().find(|(k, _)| *k == key) {
                let ratio = r.median_ms / base;
                let has_bias = r.shape["mods"].as_str().is_some_and(|m| m.contains("bias"));
                let target = if has_bias { BIAS_TARGET } else { MODS_TARGET };
                let verdict = if ratio <= target { "meets" } else { "MISSES" };
                let note = format!("time/plain {ratio:.3} vs target {target:.2} ({verdict})");
                r.note = if r.note.is_empty() {
                    note
                } else {
                    format!("{}; {note}", r.note)
                };
            }
            continue;
        }
        let pat = r.shape["pattern"].as_str().unwrap_or("").to_string();
        if pat == "dense" || pat == "decode" {
            continue;
        }
        let key = shape_key(&r.shape);
        if let Some((_, base)) = dense.iter().find(|(k, _)| *k == key) {
            let dens = r.shape["work_density"].as_f64().unwrap_or(1.0);
            let ratio = r.median_ms / base;
            let target = 1.2 * dens + 0.03;
            let verdict = if ratio <= target { "meets" } else { "MISSES" };
            let mut note = format!("time/dense {ratio:.3} vs target {target:.3} ({verdict})");
            if dens >= 0.999 {
                note += &format!("; sparse at d=1 is {:+.1}% vs dense", 100.0 * (ratio - 1.0));
            }
            if !r.note.is_empty() {
                note = format!("{}; {note}", r.note);
            }
            r.note = note;
        }
    }
}

fn shape_key(s: &serde_json::Value) -> serde_json::Value {
    let mut s = s.clone();
    if let Some(o) = s.as_object_mut() {
        o.remove("pattern");
        o.remove("work_density");
    }
    s
}

/// Benchmarks every case of this op (`ops::bench_op` runs it by name). `progress(done, total,
/// label)` is called before each case, `on_result` with each row as soon as it is measured; a
/// case that fails to run is reported through `on_error` and skipped.
pub fn bench_all(
    ctx: &Context,
    peaks: &Peaks,
    quick: bool,
    progress: &mut dyn FnMut(usize, usize, &str),
    on_result: &mut dyn FnMut(&BenchResult),
    on_error: &mut dyn FnMut(String),
) -> Vec<BenchResult> {
    let mut out = Vec::new();
    // Announces the rows a case added since `from`.
    let mut emit =
        |out: &Vec<BenchResult>, from: usize| out[from..].iter().for_each(&mut *on_result);
    let cases = attention_bench_cases(ctx, quick);
    // The dense kernel and the density sweep at the target shape, interleaved.
    let (sweep, rest): (Vec<AttnBenchCase>, Vec<AttnBenchCase>) =
        cases.into_iter().partition(in_sweep);
    progress(
        0,
        rest.len() + 1,
        "dense, density sweep, causal with and without modifiers (interleaved)",
    );
    match bench_interleaved(ctx, peaks, &sweep, quick) {
        Ok(r) => {
            out.extend(r);
            emit(&out, 0);
        }
        Err(e) => on_error(format!("attention density sweep: {e}")),
    }
    let cases = rest;
    for (i, case) in cases.iter().enumerate() {
        let label = format!(
            "{:?} {}",
            case.kind,
            crate::report::shape_text(&crate::ops::attention::verify::attention_shape_json(
                &crate::ops::attention::verify::AttnCase::dense(case.desc).mods(case.mods.clone())
            ))
        );
        progress(i, cases.len(), &label);
        match bench_attention_case(ctx, peaks, case, quick) {
            Ok(r) => {
                out.push(r);
                emit(&out, out.len() - 1);
            }
            Err(e) => on_error(format!("attention {label}: {e}")),
        }
    }
    if !quick {
        progress(
            cases.len(),
            cases.len() + 1,
            "paged vs contiguous decode, 16 sequences (interleaved)",
        );
        match bench_paged_decode(ctx, peaks, quick, 64) {
            Ok(r) => {
                let from = out.len();
                out.extend(r);
                emit(&out, from);
            }
            Err(e) => on_error(format!("attention paged decode: {e}")),
        }
    }
    progress(
        cases.len(),
        cases.len() + 1,
        "mask extension by one key vs rebuild",
    );
    match bench_mask_extend(ctx, quick) {
        Ok(r) => {
            out.push(r);
            emit(&out, out.len() - 1);
        }
        Err(e) => on_error(format!("attention mask extension: {e}")),
    }
    annotate_ratios(&mut out);
    out
}

/// What appending one key to a decode mask must cost at most, as a share of a rebuild.
pub const EXTEND_TARGET: f64 = 100.0;

/// Host time of [`GrowingMask::extend_kv`] by one key against a fresh build of the longer
/// mask, at a decode shape of 32k keys and 8 heads with four patterns (causal, causal windows
/// with sink tokens, strided stripes under causal), in alternating rounds (each round extends
/// by consecutive keys and rebuilds at the same length). The row's time is the extension's;
/// the note gives rebuild / extension against [`EXTEND_TARGET`].
pub fn bench_mask_extend(ctx: &Context, quick: bool) -> Result<BenchResult> {
    use std::time::Instant;
    let nkv0 = 32768;
    let desc = AttentionDesc::new(1, 8, 1, 64).kv_len(nkv0);
    let (bq, bk) = AttentionPlan::block_sizes(ctx, &desc);
    let sinks = Pattern::Stripes(vec![0, 1, 2, 3]);
    let heads: Vec<Pattern> = [
        Pattern::Causal,
        Pattern::causal_window(1024).or(sinks.clone()),
        Pattern::causal_window(4096).or(sinks),
        Pattern::StripesEvery {
            stride: 64,
            offset: 0,
        }
        .and(Pattern::Causal),
    ]
    .iter()
    .flat_map(|p| [p.clone(), p.clone()])
    .collect();
    let table = vec![heads];
    let mut grow = GrowingMask::new(&MaskBuilder::new(1, nkv0, bq, bk), &table)?;
    let (rounds, extends, rebuilds) = if quick { (5, 64, 2) } else { (15, 256, 4) };
    let (mut ext_ms, mut reb_ms) = (Vec::new(), Vec::new());
    let mut nkv = nkv0;
    for r in 0..rounds {
        // Alternate which goes first.
        for which in [r % 2, 1 - r % 2] {
            if which == 0 {
                let t = Instant::now();
                for _ in 0..extends {
                    nkv += 1;
                    grow.extend_kv(nkv)?;
                }
                ext_ms.push(t.elapsed().as_secs_f64() * 1e3 / extends as f64);
            } else {
                let t = Instant::now();
                for _ in 0..rebuilds {
                    std::hint::black_box(
                        MaskBuilder::new(1, nkv + 1, bq, bk).build_batch_heads(&table)?,
                    );
                }
                reb_ms.push(t.elapsed().as_secs_f64() * 1e3 / rebuilds as f64);
            }
        }
    }
    // The grown mask is the one a rebuild makes (the bench checks what it times).
    let mut got = grow.mask().clone();
    got.compact();
    let same = got == MaskBuilder::new(1, nkv, bq, bk).build_batch_heads(&table)?;
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (ext, reb) = (median(&mut ext_ms.clone()), median(&mut reb_ms));
    let ratio = reb / ext;
    let verdict = if ratio >= EXTEND_TARGET {
        "meets"
    } else {
        "MISSES"
    };
    let mut shape = crate::ops::attention::verify::attention_shape_json(
        &crate::ops::attention::verify::AttnCase::dense(desc),
    );
    shape["pattern"] = serde_json::Value::String("mask extend by 1 key".into());
    shape["blocks"] = serde_json::json!([bq, bk]);
    Ok(BenchResult {
        op: "attention".into(),
        variant: "host".into(),
        dtype: DType::F32,
        shape,
        median_ms: ext,
        samples_ms: ext_ms,
        config: "GrowingMask::extend_kv".into(),
        timing: "wall".into(),
        note: format!(
            "rebuild {reb:.4} ms / extend {ext:.5} ms = {ratio:.0}x vs target {EXTEND_TARGET:.0}x \
             ({verdict}); alternating rounds; grown mask {} a fresh build",
            if same { "equals" } else { "DIFFERS FROM" }
        ),
        ..Default::default()
    })
}

/// The bound on paged decode: its GB/s at least this share of the contiguous decode's.
pub const PAGED_TARGET: f64 = 0.90;

/// Paged decode against the contiguous decode of the same data, as a server runs it: 16
/// sequences × 4096 keys in one dispatch, 32 query heads over 8 KV heads, D = 64, f32, pages of
/// `page` keys (a power of two up to 4096; 64 in the report) taken from the pool in a shuffled
/// order. Both plans are the dispatcher's, timed in
/// alternating rounds. Two rows, GB/s of K+V read; the paged row's note gives its GB/s over the
/// contiguous one's against [`PAGED_TARGET`]. Both outputs are spot-checked against the f64
/// reference on the first and last sequence, and the paged one against the contiguous one.
pub fn bench_paged_decode(
    ctx: &Context,
    peaks: &Peaks,
    quick: bool,
    page: u32,
) -> Result<Vec<BenchResult>> {
    let (batch, nkv) = (16u32, 4096u32);
    if !page.is_power_of_two() || page > nkv {
        return Err(crate::error::Error::Unsupported(format!(
            "paged bench: page size {page} is not a power of two up to {nkv}"
        )));
    }
    let desc = AttentionDesc::new(batch, 32, 1, 64).gqa(8).kv_len(nkv);
    let kv = PagedKv::new(page, batch * nkv / page, nkv / page);
    let (hkv, dim) = (desc.heads_kv as usize, desc.head_dim as usize);
    let (q, qf) = unit_data::<f32>(desc.q_len_elems() as usize, 21);
    let (k, kf) = unit_data::<f32>(desc.kv_len_elems() as usize, 22);
    let (v, vf) = unit_data::<f32>(desc.v_len_elems() as usize, 23);
    let lens = vec![nkv; batch as usize];
    let table = kv
        .shuffled_table(&lens, 24)
        .ok_or_else(|| crate::error::Error::Shape("paged bench: pool too small".into()))?;
    // Logical page lp of sequence b, every KV head, into pool page table[b][lp].
    let to_pool = |x: &[f32]| {
        let (ps, mp) = (page as usize, kv.max_pages as usize);
        let mut pool = vec![0f32; x.len()];
        for (i, &pg) in table.iter().enumerate() {
            let (b, lp) = (i / mp, i % mp);
            for h in 0..hkv {
                let src = ((b * hkv + h) * nkv as usize + lp * ps) * dim;
                let dst = (pg as usize * hkv + h) * ps * dim;
                pool[dst..dst + ps * dim].copy_from_slice(&x[src..src + ps * dim]);
            }
        }
        pool
    };
    let flat = AttentionPlan::new(ctx, desc, None, None)?;
    let mut paged = AttentionPlan::paged(ctx, desc, None, &ScoreMods::none(), kv, None)?;
    paged.set_pages(&table, &lens)?;
    let qb = ctx.upload("Q", &q)?;
    let o_bytes = desc.o_len_elems() * 4;
    let mut bufs = Vec::new();
    for (plan, kd, vd) in [
        (&flat, k.clone(), v.clone()),
        (&paged, to_pool(&k), to_pool(&v)),
    ] {
        let (kb, vb) = (ctx.upload("K", &kd)?, ctx.upload("V", &vd)?);
        let ob = ctx.storage("O", o_bytes)?;
        let bound = plan.bind(&qb, &kb, &vb, &ob, None)?;
        bufs.push((bound, ob, kb, vb));
    }
    drop((k, v));
    let timings =
        crate::harness::bench::time_rounds(ctx, quick, &bufs, |b, pass| b.0.record(pass))?;
    // Spot checks: the first and last sequence of each against the reference, paged against
    // contiguous everywhere.
    let outs: Vec<Vec<f32>> = bufs
        .iter()
        .map(|b| {
            pollster::block_on(crate::runtime::read_buffer(
                ctx,
                &b.1,
                desc.o_len_elems() as usize,
            ))
        })
        .collect::<Result<_>>()?;
    let one = AttentionDesc { batch: 1, ..desc };
    let (qn, kn) = (one.q_len_elems() as usize, one.kv_len_elems() as usize);
    let tol = Tolerance::attention(DType::F32, DType::F32, nkv, desc.head_dim);
    let mut worst = [0.0f64; 2];
    let mut pass = [true; 2];
    for b in [0, batch as usize - 1] {
        let (want, _) = attention_ref_mods(
            &one,
            None,
            &ScoreMods::none(),
            &qf[b * qn..(b + 1) * qn],
            &kf[b * kn..(b + 1) * kn],
            &vf[b * kn..(b + 1) * kn],
            None,
        );
        for (i, out) in outs.iter().enumerate() {
            let got: Vec<f64> = out[b * qn..(b + 1) * qn]
                .iter()
                .map(|&x| x as f64)
                .collect();
            let c = compare(&got, &want, tol);
            worst[i] = worst[i].max(c.rel_l2_err);
            pass[i] &= c.pass;
        }
    }
    let widen = |x: &[f32]| x.iter().map(|&y| y as f64).collect::<Vec<f64>>();
    let same = compare(&widen(&outs[1]), &widen(&outs[0]), tol);
    pass[1] &= same.pass;
    let bytes = (desc.kv_len_elems() + desc.v_len_elems()) as f64 * 4.0;
    let ratio = timings[0].median_ms / timings[1].median_ms;
    let verdict = if ratio >= PAGED_TARGET {
        "meets"
    } else {
        "MISSES"
    };
    let mut rows = Vec::new();
    for (i, (plan, t)) in [&flat, &paged].into_iter().zip(&timings).enumerate() {
        let gbps = bytes / (t.median_ms * 1e-3) / 1e9;
        let mut shape = crate::ops::attention::verify::attention_shape_json(
            &crate::ops::attention::verify::AttnCase::dense(desc),
        );
        shape["pattern"] = serde_json::Value::String(if i == 0 {
            "decode".into()
        } else {
            format!("paged decode (pages of {page})")
        });
        let mut note = if i == 0 {
            "contiguous K/V; timed in alternating rounds with the paged row".to_string()
        } else {
            format!(
                "GB/s paged / contiguous {ratio:.3} vs target {PAGED_TARGET:.2} ({verdict}); \
                 alternating rounds; same data, pages in a shuffled order; output vs \
                 contiguous rel L2 {:.1e}",
                same.rel_l2_err
            )
        };
        if !pass[i] {
            note = format!("FAILED reference spot check; {note}");
        }
        let cfg = *plan.config();
        rows.push(BenchResult {
            op: "attention".into(),
            variant: cfg.variant().name().into(),
            dtype: DType::F32,
            shape,
            median_ms: t.median_ms,
            samples_ms: t.samples_ms.clone(),
            work: Some(attention_work(&desc, 1.0, false)),
            gflops: Some(plan.flops() / (t.median_ms * 1e-3) / 1e9),
            gbps: Some(gbps),
            pct_of_peak: Some(100.0 * gbps / peaks.copy_gbps),
            config: cfg.label(),
            rel_l2_err: worst[i],
            timing: format!("{:?}", t.source).to_lowercase(),
            config_source: "default".into(),
            note,
            ..Default::default()
        });
    }
    Ok(rows)
}
