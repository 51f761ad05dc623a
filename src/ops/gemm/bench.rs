//! GEMM cases of the vendor report.

use super::work::gemm_work;
use super::NAME;
use crate::dtype::{DType, Element};
use crate::error::Result;
use crate::harness::bench::{
    bench_each, config_for, prebuild, time_case, time_rounds, PreparedCase,
};
use crate::harness::tolerance::compare;
use crate::harness::tolerance::Tolerance;
use crate::harness::verify::random_data;
use crate::ops::gemm::config::GemmConfig;
use crate::ops::gemm::config::GemmVariant;
use crate::ops::gemm::epilogue::EpiloguePlan;
use crate::ops::gemm::reference::gemm_ref_rows;
use crate::ops::gemm::verify::gemm_shape_json;
use crate::ops::gemm::verify::gemm_variants_to_check;
use crate::ops::gemm::{Activation, GemmBound, GemmDesc, GemmPlan};
use crate::probe::Peaks;
use crate::report::{BenchResult, UNTUNED_DEFAULT_NOTE};
use crate::runtime::{Context, Timing};
use crate::tune::{ConfigSource, Picked};
use std::marker::PhantomData;

/// Rows of each product checked against the reference during a bench (a spot check).
const CHECK_ROWS: usize = 16;

/// The GEMM cases of the report: the 1024³ f32 product and the 4096² GEMV that the foundation
/// targets are in both modes, each variant the adapter has at 1024³, and more shapes in full mode.
pub fn gemm_cases(ctx: &Context, quick: bool) -> Vec<(GemmDesc, Option<GemmConfig>)> {
    let mut v: Vec<(GemmDesc, Option<GemmConfig>)> = Vec::new();
    let square = GemmDesc::new(1024, 1024, 1024);
    // A size sweep of the dispatcher's pick (the time-vs-size curve of the report; 1024³ is the
    // first row of the layout group, [`gemm_groups`]).
    for s in [256, 512] {
        v.push((GemmDesc::new(s, s, s), None));
    }
    for c in gemm_variants_to_check(ctx, &square).into_iter().skip(1) {
        v.push((square, Some(c)));
    }
    // Where the tuning cache picks something else, the untuned default runs beside it.
    let default = crate::ops::gemm::config::gemm_default(ctx.caps(), &ctx.limits(), &square);
    let cached = crate::tune::lookup::<crate::ops::gemm::tune::GemmTune>(ctx, &square);
    if cached.is_some_and(|c| c != default) && !v.contains(&(square, Some(default))) {
        v.push((square, Some(default)));
    }
    v.push((GemmDesc::new(4096, 1, 4096), None));
    if ctx.caps().f16 {
        let h = square.dtype(DType::F16);
        v.push((h, None));
        // The other f16 variants only in full mode (the quick report must stay under a minute).
        if !quick {
            for c in gemm_variants_to_check(ctx, &h).into_iter().skip(1) {
                v.push((h, Some(c)));
            }
        }
    }
    if !quick {
        v.push((GemmDesc::new(2048, 2048, 2048), None));
        v.push((GemmDesc::new(256, 256, 256).batch(32), None));
        v.push((GemmDesc::new(1, 4096, 4096), None));
        v.push((GemmDesc::new(4096, 1, 4096).trans(true, false), None));
    }
    v
}

/// One row of a layout group: a product, and whether its epilogue (bias, activation) runs as
/// a pass of its own after the plain product ([`super::epilogue::EpiloguePlan`]) instead of
/// fused into the kernel's store.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GroupRow {
    /// The product with its epilogue.
    pub desc: GemmDesc,
    /// The epilogue runs as a separate pass over C.
    pub separate: bool,
}

impl From<GemmDesc> for GroupRow {
    fn from(desc: GemmDesc) -> Self {
        Self {
            desc,
            separate: false,
        }
    }
}

/// Cases timed together in alternating rounds (so their ratios hold on a loaded machine), each
/// row noting its speed relative to the group's first: 1024³ f32 in the four layouts and the
/// linear-layer shape (512 tokens × 4096 out × 4096 in) as a plain product and with the weight
/// stored out × in (NT, ggml's and PyTorch's layout), both modes; full mode adds the linear
/// layer with fused bias + GELU and bias + SiLU against its plain product and against the plain
/// product followed by a separate bias + GELU pass.
pub fn gemm_groups(quick: bool) -> Vec<Vec<GroupRow>> {
    let square = GemmDesc::new(1024, 1024, 1024);
    let lin = GemmDesc::new(512, 4096, 4096);
    let mut g: Vec<Vec<GroupRow>> = vec![
        [(false, false), (false, true), (true, false), (true, true)]
            .map(|(ta, tb)| square.trans(ta, tb).into())
            .to_vec(),
        vec![lin.into(), lin.trans(false, true).into()],
    ];
    if !quick {
        let l = GemmDesc::linear(512, 4096, 4096);
        let gelu = l.with_bias(true).activation(Activation::Gelu);
        g.push(vec![
            l.into(),
            gelu.into(),
            l.with_bias(true).activation(Activation::Silu).into(),
            GroupRow {
                desc: gelu,
                separate: true,
            },
        ]);
    }
    g
}

/// Short name of a row in a group: its layout and epilogue, e.g. `NT`, `NT bias+gelu`,
/// `NT bias+gelu (separate pass)`.
fn group_name(row: &GroupRow) -> String {
    let d = &row.desc;
    let t = |x: bool| if x { 'T' } else { 'N' };
    let mut s = format!("{}{}", t(d.trans_a), t(d.trans_b));
    if d.bias {
        s.push_str(" bias");
    }
    if d.activation != Activation::None {
        s.push('+');
        s.push_str(d.activation.name());
    }
    if row.separate {
        s.push_str(" (separate pass)");
    }
    s
}

/// Times one group of [`gemm_groups`] with the dispatcher's picks in alternating rounds; each
/// row's note gives its speed as a multiple of the first row's.
fn bench_group(
    ctx: &Context,
    peaks: &Peaks,
    group: &[GroupRow],
    quick: bool,
) -> Result<Vec<BenchResult>> {
    let cases = group
        .iter()
        .map(|r| prepare_case(ctx, r.desc, None, r.separate))
        .collect::<Result<Vec<_>>>()?;
    let timings = time_rounds(ctx, quick, &cases, |c, pass| c.record(pass))?;
    let base = (group_name(&group[0]), timings[0].median_ms);
    let mut out = Vec::new();
    for ((case, d), t) in cases.iter().zip(group).zip(&timings) {
        let mut r = case.finish(ctx, peaks, t)?;
        let ratio = format!(
            "{}: {:.2}× the speed of {} (alternating rounds)",
            group_name(d),
            base.1 / t.median_ms,
            base.0
        );
        r.note = if r.note.is_empty() {
            ratio
        } else {
            format!("{}; {ratio}", r.note)
        };
        out.push(r);
    }
    Ok(out)
}

/// Benchmarks one GEMM case.
pub fn bench_gemm_case(
    ctx: &Context,
    peaks: &Peaks,
    desc: GemmDesc,
    config: Option<GemmConfig>,
    quick: bool,
) -> Result<BenchResult> {
    let case = prepare_gemm_case(ctx, desc, config)?;
    let t = time_case(ctx, quick, &|pass| case.record(pass))?;
    case.finish(ctx, peaks, &t)
}

/// Builds and binds one GEMM case (the dispatcher's pick when `config` is `None`) on random data.
pub(crate) fn prepare_gemm_case(
    ctx: &Context,
    desc: GemmDesc,
    config: Option<GemmConfig>,
) -> Result<Box<dyn PreparedCase>> {
    prepare_case(ctx, desc, config, false)
}

/// [`prepare_gemm_case`]; with `separate`, the product runs plain and its epilogue as a pass of its own.
fn prepare_case(
    ctx: &Context,
    desc: GemmDesc,
    config: Option<GemmConfig>,
    separate: bool,
) -> Result<Box<dyn PreparedCase>> {
    Ok(match desc.dtype {
        DType::F32 => Box::new(GemmCase::<f32>::new(ctx, desc, config, separate)?),
        DType::F16 => Box::new(GemmCase::<half::f16>::new(ctx, desc, config, separate)?),
    })
}

/// A GEMM case ready to time: its plan, bound buffers and the f64 inputs of the spot check.
struct GemmCase<T> {
    desc: GemmDesc,
    picked: Picked<GemmConfig>,
    plan: GemmPlan,
    bound: GemmBound,
    /// The epilogue's separate pass, recorded after the product.
    epilogue: Option<GemmBound>,
    c: wgpu::Buffer,
    a: Vec<f64>,
    b: Vec<f64>,
    bias: Vec<f64>,
    _element: PhantomData<T>,
}

impl<T: Element> GemmCase<T> {
    fn new(
        ctx: &Context,
        desc: GemmDesc,
        config: Option<GemmConfig>,
        separate: bool,
    ) -> Result<Self> {
        // The product the GEMM kernel runs: without its epilogue when that is a separate pass.
        let product = if separate {
            desc.with_bias(false)
                .activation(Activation::None)
                .scale(1.0, 0.0)
        } else {
            desc
        };
        let picked = match config {
            Some(c) => Picked {
                config: c,
                source: ConfigSource::Explicit,
            },
            None => crate::ops::gemm::tune::gemm_pick_with_source(ctx, &product),
        };
        let plan = GemmPlan::new(ctx, product, Some(picked.config))?;
        let (a, af) = random_data::<T>(desc.a_len() as usize, 7);
        let (b, bf) = random_data::<T>(desc.b_len() as usize, 8);
        let ab = ctx.upload("A", &a)?;
        let bb = ctx.upload("B", &b)?;
        let c = ctx.storage("C", desc.c_len() * desc.dtype.size())?;
        let (bias, biasf) = random_data::<T>(desc.n as usize, 9);
        let biasb = if desc.bias {
            Some(ctx.upload("bias", &bias)?)
        } else {
            None
        };
        let (bound, epilogue) = if separate {
            let e = EpiloguePlan::new(ctx, &desc)?.bind(biasb.as_ref(), &c)?;
            (plan.bind(&ab, &bb, &c)?, Some(e))
        } else {
            (plan.bind_with_bias(&ab, &bb, biasb.as_ref(), &c)?, None)
        };
        Ok(Self {
            desc,
            picked,
            plan,
            bound,
            epilogue,
            c,
            a: af,
            b: bf,
            bias: biasf,
            _element: PhantomData,
        })
    }
}

impl<T: Element> PreparedCase for GemmCase<T> {
    fn record(&self, pass: &mut wgpu::ComputePass<'_>) {
        self.bound.record(pass);
        if let Some(e) = &self.epilogue {
            e.record(pass);
        }
    }

    fn finish(&self, ctx: &Context, peaks: &Peaks, t: &Timing) -> Result<BenchResult> {
        let (desc, picked) = (self.desc, &self.picked);
        // Spot-check the first rows of the last run's output.
        let got: Vec<T> = pollster::block_on(crate::runtime::read_buffer(
            ctx,
            &self.c,
            desc.c_len() as usize,
        ))?;
        let want = gemm_ref_rows(&desc, &self.a, &self.b, Some(&self.bias), None, CHECK_ROWS);
        let rows = (desc.m as usize).min(CHECK_ROWS) * desc.n as usize;
        let got: Vec<f64> = got[..rows].iter().map(|x| x.to_f64()).collect();
        let cfg = *self.plan.config();
        let compute = if cfg.variant() == GemmVariant::Coop {
            DType::F16
        } else {
            desc.dtype
        };
        let err = compare(&got, &want[..rows], Tolerance::gemm_desc(compute, &desc));
        let secs = t.median_ms * 1e-3;
        let (gflops, gbps, pct) = if desc.gemv_shape() {
            let bytes =
                (desc.a_len() + desc.b_len() + desc.c_len()) as f64 * desc.dtype.size() as f64;
            let gbps = bytes / secs / 1e9;
            (
                Some(desc.flops() / secs / 1e9),
                Some(gbps),
                Some(100.0 * gbps / peaks.copy_gbps),
            )
        } else {
            let g = desc.flops() / secs / 1e9;
            let peak = match (compute, peaks.fma_f16_gflops) {
                (DType::F16, Some(h)) if cfg.variant() == GemmVariant::Coop => h,
                _ => peaks.fma_f32_gflops,
            };
            (Some(g), None, Some(100.0 * g / peak))
        };
        Ok(BenchResult {
            op: "gemm".into(),
            variant: cfg.variant().name().into(),
            dtype: desc.dtype,
            shape: gemm_shape_json(&desc),
            median_ms: t.median_ms,
            samples_ms: t.samples_ms.clone(),
            work: Some(gemm_work(&desc, cfg.variant() == GemmVariant::Coop)),
            gflops,
            gbps,
            pct_of_peak: pct,
            config: cfg.label(),
            config_source: picked.source.name().into(),
            rel_l2_err: err.rel_l2_err,
            timing: format!("{:?}", t.source).to_lowercase(),
            note: if !err.pass {
                "FAILED reference spot check".into()
            } else if picked.source == ConfigSource::Explicit
                && cfg == crate::ops::gemm::config::gemm_default(ctx.caps(), &ctx.limits(), &desc)
            {
                UNTUNED_DEFAULT_NOTE.into()
            } else {
                String::new()
            },
            ..Default::default()
        })
    }
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
    let cases = gemm_cases(ctx, quick);
    let groups = gemm_groups(quick);
    let all: Vec<(GemmDesc, Option<GemmConfig>)> = cases
        .iter()
        .copied()
        .chain(groups.iter().flatten().map(|r| (r.desc, None)))
        .collect();
    prebuild(ctx, &all, |(d, c)| {
        let cfg = config_for::<crate::ops::gemm::tune::GemmTune>(ctx, d, *c);
        let _ = crate::GemmPlan::new(ctx, *d, Some(cfg));
    });
    let total = cases.len() + groups.len();
    let label = |d: &GemmDesc| crate::report::shape_text(&gemm_shape_json(d));
    let mut out = bench_each(
        NAME,
        &cases,
        |(desc, _)| label(desc),
        |(desc, cfg)| bench_gemm_case(ctx, peaks, *desc, *cfg, quick),
        &mut |i, _, l| progress(i, total, l),
        on_result,
        on_error,
    );
    for (i, group) in groups.iter().enumerate() {
        let names: Vec<String> = group.iter().map(group_name).collect();
        let l = format!("{} in {}", label(&group[0].desc), names.join(", "));
        progress(cases.len() + i, total, &l);
        match bench_group(ctx, peaks, group, quick) {
            Ok(rows) => {
                for r in rows {
                    on_result(&r);
                    out.push(r);
                }
            }
            Err(e) => on_error(format!("{NAME} {l}: {e}")),
        }
    }
    out
}
