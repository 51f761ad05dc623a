//! GEMM plugged into the tuner: shape buckets, the small correctness check, the timed plan,
//! and the shapes `wgkernels tune gemm` measures.

use super::config::{gemm_candidates, gemm_default, GemmConfig};
use crate::ops::gemm::GemmDesc;
use crate::runtime::Capabilities;
use crate::runtime::Context;
use crate::tune::engine::TuneOp;

/// A GEMM shape bucket: what a tuned winner is stored under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GemmBucket {
    /// Storage type.
    pub dtype: crate::DType,
    /// M, N, K and the batch, rounded up to powers of two.
    pub m: u32,
    /// See `m`.
    pub n: u32,
    /// See `m`.
    pub k: u32,
    /// See `m`.
    pub batch: u32,
    /// Layout flags of the call.
    pub trans_a: bool,
    /// See `trans_a`.
    pub trans_b: bool,
    /// See `trans_a`.
    pub broadcast_a: bool,
    /// See `trans_a`.
    pub broadcast_b: bool,
    /// Whether C is read (beta ≠ 0).
    pub read_c: bool,
}

/// The GEMM as a [`TuneOp`].
#[derive(Clone, Copy, Debug)]
pub struct GemmTune;

fn pow2(x: u32) -> u32 {
    x.checked_next_power_of_two().unwrap_or(x)
}

impl TuneOp for GemmTune {
    const NAME: &'static str = "gemm";
    type Desc = GemmDesc;
    type Config = GemmConfig;
    type Bucket = GemmBucket;

    fn shaders() -> Vec<crate::runtime::pipelines::Shader> {
        super::shaders::ALL.to_vec()
    }

    /// M, N, K and the batch rounded up to powers of two (1 stays 1, so GEMV shapes keep their
    /// own buckets), the dtype, both transposes, broadcasts and whether C is read (beta ≠ 0).
    /// The representative problem has those rounded sizes (the call's own sizes if the rounded
    /// ones are over the index range).
    fn bucket(d: &GemmDesc) -> (GemmBucket, GemmDesc) {
        let mut rep = GemmDesc {
            m: pow2(d.m),
            n: pow2(d.n),
            k: pow2(d.k),
            batch: pow2(d.batch),
            alpha: 1.0,
            beta: if d.beta != 0.0 { 1.0 } else { 0.0 },
            // The epilogue runs once per output, after the K loop: it does not move the winner,
            // so the plain product of the same layout is measured.
            bias: false,
            activation: super::Activation::None,
            ..*d
        };
        if rep.validate().is_err() {
            rep = GemmDesc {
                alpha: 1.0,
                beta: rep.beta,
                bias: false,
                activation: super::Activation::None,
                ..*d
            };
        }
        let bucket = GemmBucket {
            dtype: d.dtype,
            m: rep.m,
            n: rep.n,
            k: rep.k,
            batch: rep.batch,
            trans_a: d.trans_a,
            trans_b: d.trans_b,
            broadcast_a: d.broadcast_a,
            broadcast_b: d.broadcast_b,
            read_c: d.beta != 0.0,
        };
        (bucket, rep)
    }

    fn shape_json(d: &GemmDesc) -> serde_json::Value {
        serde_json::json!({
            "m": d.m, "n": d.n, "k": d.k, "batch": d.batch,
            "trans_a": d.trans_a, "trans_b": d.trans_b,
            "broadcast_a": d.broadcast_a, "broadcast_b": d.broadcast_b, "beta": d.beta,
        })
    }

    fn default_config(caps: &Capabilities, limits: &wgpu::Limits, d: &GemmDesc) -> GemmConfig {
        gemm_default(caps, limits, d)
    }

    /// [`gemm_candidates`] less the cooperative-matrix ones for f32 storage: those round the
    /// inputs to f16, so a faster time would buy it with lost precision — tuning never trades
    /// accuracy silently (the same rule as the default; callers can still name one explicitly).
    fn candidates(caps: &Capabilities, limits: &wgpu::Limits, d: &GemmDesc) -> Vec<GemmConfig> {
        let mut c = gemm_candidates(caps, limits, d);
        if d.dtype == crate::DType::F32 {
            c.retain(|c| c.variant() != crate::ops::gemm::config::GemmVariant::Coop);
        }
        c
    }

    fn label(c: &GemmConfig) -> String {
        c.label()
    }

    /// Runs the configuration on a small problem with the same dtype, transposes, broadcasts and
    /// GEMV-ness and sizes that are not multiples of any tile (67 × 45 × 61, batch ≤ 2), against
    /// the f64 reference under the crate's tolerance rule. A configuration that cannot run that
    /// shape (some variants need N to be a multiple of 4) is checked on the first of
    /// 67 × 44 × 61, 67 × 48 × 61, 64 × 64 × 64 that it can run.
    async fn check(ctx: &Context, d: &GemmDesc, config: GemmConfig) -> Result<(), String> {
        let shapes = [(67, 45, 61), (67, 44, 61), (67, 48, 61), (64, 64, 64)];
        let small = shapes
            .iter()
            .map(|&(m, n, k)| GemmDesc {
                m: if d.m == 1 { 1 } else { d.m.min(m) },
                n: if d.n == 1 { 1 } else { d.n.min(n) },
                k: d.k.min(k),
                batch: d.batch.min(2),
                ..*d
            })
            .find(|s| config.valid_for(ctx.caps(), &ctx.limits(), s))
            .ok_or_else(|| format!("`{}` runs none of the small check shapes", config.label()))?;
        let c = crate::ops::gemm::verify::check_gemm_async(ctx, &small, config, 4242).await;
        match (c.pass, c.error) {
            (true, _) => Ok(()),
            (false, Some(e)) => Err(e),
            (false, None) => Err(format!(
                "rel L2 error {:.2e} over the tolerance {:.2e} on {}x{}x{}",
                c.rel_l2_err, c.tolerance, small.m, small.n, small.k
            )),
        }
    }

    fn prepare(
        ctx: &Context,
        d: &GemmDesc,
        config: GemmConfig,
    ) -> crate::Result<Box<dyn crate::tune::engine::Prepared>> {
        match d.dtype {
            crate::DType::F32 => timed::prepare::<f32>(ctx, d, config),
            crate::DType::F16 => timed::prepare::<half::f16>(ctx, d, config),
        }
    }
}

mod timed {
    use crate::dtype::{DType, Element};
    use crate::harness::tolerance::compare;
    use crate::harness::tolerance::Tolerance;
    use crate::harness::verify::random_data;
    use crate::ops::gemm::config::GemmConfig;
    use crate::ops::gemm::config::GemmVariant;
    use crate::ops::gemm::reference::gemm_ref_rows;
    use crate::ops::gemm::{GemmBound, GemmDesc, GemmPlan};
    use crate::runtime::{read_buffer, Context};
    use crate::tune::engine::Prepared;
    use futures::future::LocalBoxFuture;

    /// Rows of every batch compared with the reference after timing.
    const CHECK_ROWS: usize = 8;

    struct GemmPrepared<T: Element> {
        desc: GemmDesc,
        config: GemmConfig,
        bound: GemmBound,
        c: wgpu::Buffer,
        af: Vec<f64>,
        bf: Vec<f64>,
        cf: Vec<f64>,
        _t: std::marker::PhantomData<T>,
    }

    pub(super) fn prepare<T: Element>(
        ctx: &Context,
        d: &GemmDesc,
        config: GemmConfig,
    ) -> crate::Result<Box<dyn Prepared>> {
        let plan = GemmPlan::new(ctx, *d, Some(config))?;
        let (a, af) = random_data::<T>(d.a_len() as usize, 11);
        let (b, bf) = random_data::<T>(d.b_len() as usize, 12);
        // C starts as data (not zeros) so that a kernel that skips a tile shows up, and so that
        // beta ≠ 0 reads something; the reference uses the same values. Repeated runs with
        // beta ≠ 0 accumulate, so only beta = 0 problems are spot-checked after timing.
        let (c, cf) = random_data::<T>(d.c_len() as usize, 13);
        let ab = ctx.upload("tune A", &a)?;
        let bb = ctx.upload("tune B", &b)?;
        let cb = ctx.upload("tune C", &c)?;
        let bound = plan.bind(&ab, &bb, &cb)?;
        Ok(Box::new(GemmPrepared::<T> {
            desc: *d,
            config,
            bound,
            c: cb,
            af,
            bf,
            cf,
            _t: std::marker::PhantomData,
        }))
    }

    impl<T: Element> Prepared for GemmPrepared<T> {
        fn record(&self, pass: &mut wgpu::ComputePass<'_>) {
            self.bound.record(pass);
        }

        fn check_output<'a>(&'a self, ctx: &'a Context) -> LocalBoxFuture<'a, Result<(), String>> {
            Box::pin(async move {
                let d = &self.desc;
                if d.beta != 0.0 {
                    return Ok(());
                }
                let got: Vec<T> = read_buffer(ctx, &self.c, d.c_len() as usize)
                    .await
                    .map_err(|e| e.to_string())?;
                let want = gemm_ref_rows(d, &self.af, &self.bf, None, Some(&self.cf), CHECK_ROWS);
                let (m, n) = (d.m as usize, d.n as usize);
                let rows = m.min(CHECK_ROWS);
                let (mut g, mut w) = (Vec::new(), Vec::new());
                for bi in 0..d.batch as usize {
                    let lo = bi * m * n;
                    g.extend(got[lo..lo + rows * n].iter().map(|x| x.to_f64()));
                    w.extend_from_slice(&want[lo..lo + rows * n]);
                }
                let compute = if self.config.variant() == GemmVariant::Coop {
                    DType::F16
                } else {
                    d.dtype
                };
                compare(&g, &w, Tolerance::gemm(compute, d.k)).verdict()
            })
        }
    }
}

/// The GEMM buckets `wgkernels tune gemm` measures: every shape the bench runs with the
/// dispatcher's choice (so a later `bench` is served from the cache; quick mode leaves out the
/// layout groups' transposed and linear-shape rows).
#[cfg(not(target_arch = "wasm32"))]
pub fn gemm_tune_shapes(ctx: &Context, quick: bool) -> Vec<GemmDesc> {
    let mut v: Vec<GemmDesc> = crate::ops::gemm::bench::gemm_cases(ctx, quick)
        .into_iter()
        .filter(|(_, c)| c.is_none())
        .map(|(d, _)| d)
        .collect();
    // The layout groups' plain rows (the epilogue's share the bucket of their plain product);
    // quick mode only the first (1024³ NN): on a CPU adapter each tiled candidate of the
    // 512 × 4096 × 4096 linear shape runs for seconds, which `tune --quick` must not spend.
    let groups = crate::ops::gemm::bench::gemm_groups(quick);
    let rows = groups.iter().flatten().filter(|r| !r.desc.has_epilogue());
    v.extend(
        rows.take(if quick { 1 } else { usize::MAX })
            .map(|r| r.desc),
    );
    v
}

/// The configuration a GEMM call uses when the caller names none: the measured winner for this
/// adapter and shape bucket where tuning has stored one, else [`super::config::gemm_default`] (see
/// [`crate::tune::TuneMode`] for when a call may tune).
pub fn gemm_pick(ctx: &Context, desc: &GemmDesc) -> GemmConfig {
    crate::tune::pick::<GemmTune>(ctx, desc).config
}

/// [`gemm_pick`] and where the configuration came from (cache, tuned, default).
pub fn gemm_pick_with_source(ctx: &Context, desc: &GemmDesc) -> crate::tune::Picked<GemmConfig> {
    crate::tune::pick::<GemmTune>(ctx, desc)
}
