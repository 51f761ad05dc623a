//! What every op's folder builds on beyond the runtime: the [`Op`] trait the registry
//! (`crate::ops`) lists, the verify scaffolding (tiers, check rows, random inputs), the one
//! tolerance rule, and the bench scaffolding (timing, parallel pipeline builds).

#[cfg(not(target_arch = "wasm32"))]
pub mod bench;
pub mod tolerance;
pub mod verify;

use crate::runtime::pipelines::Shader;
use crate::runtime::Context;
use futures::future::LocalBoxFuture;
use verify::{Check, Tier};

/// One op of the suite as the drivers see it (`verify`, `bench`, `tune`, the report, the web
/// demo, the tests): they iterate `crate::ops::ALL` instead of matching names. Each op's folder
/// implements it in its `mod.rs`.
pub trait Op: Sync {
    /// Name in the CLI, reports and the tuning cache (`gemm`, `fft`, ...).
    fn name(&self) -> &'static str;

    /// Every WGSL program the op's plans may build.
    fn shaders(&self) -> Vec<Shader>;

    /// Runs every check of `tier` on this adapter against the CPU reference, calling
    /// `progress` after each (the browser awaits it; natively `crate::ops::verify_op` blocks).
    fn verify<'a>(
        &'a self,
        ctx: &'a Context,
        tier: Tier,
        progress: &'a mut dyn FnMut(&Check),
    ) -> LocalBoxFuture<'a, Vec<Check>>;

    /// Times every bench case (see `crate::ops::bench_op`).
    #[cfg(not(target_arch = "wasm32"))]
    fn bench(
        &self,
        ctx: &Context,
        peaks: &crate::probe::Peaks,
        quick: bool,
        progress: &mut dyn FnMut(usize, usize, &str),
        on_result: &mut dyn FnMut(&crate::report::BenchResult),
        on_error: &mut dyn FnMut(String),
    ) -> Vec<crate::report::BenchResult>;

    /// The shape buckets `wgkernels tune` measures for this op.
    #[cfg(not(target_arch = "wasm32"))]
    fn tune_jobs(&self, ctx: &Context, quick: bool) -> Vec<crate::tune::TuneJob>;
}

/// Implements [`Op`] for an op folder's unit struct from its verify, bench and tune functions.
macro_rules! impl_op {
    ($ty:ty, $name:expr, shaders: $shaders:expr, verify: $verify:path, bench: $bench:path,
     tune_jobs: |$ctx:ident, $quick:ident| $jobs:expr) => {
        impl $crate::harness::Op for $ty {
            fn name(&self) -> &'static str {
                $name
            }

            fn shaders(&self) -> Vec<$crate::runtime::pipelines::Shader> {
                $shaders
            }

            fn verify<'a>(
                &'a self,
                ctx: &'a $crate::runtime::Context,
                tier: $crate::harness::verify::Tier,
                progress: &'a mut dyn FnMut(&$crate::harness::verify::Check),
            ) -> futures::future::LocalBoxFuture<'a, Vec<$crate::harness::verify::Check>> {
                Box::pin($verify(ctx, tier, progress))
            }

            #[cfg(not(target_arch = "wasm32"))]
            fn bench(
                &self,
                ctx: &$crate::runtime::Context,
                peaks: &$crate::probe::Peaks,
                quick: bool,
                progress: &mut dyn FnMut(usize, usize, &str),
                on_result: &mut dyn FnMut(&$crate::report::BenchResult),
                on_error: &mut dyn FnMut(String),
            ) -> Vec<$crate::report::BenchResult> {
                $bench(ctx, peaks, quick, progress, on_result, on_error)
            }

            #[cfg(not(target_arch = "wasm32"))]
            fn tune_jobs(
                &self,
                $ctx: &$crate::runtime::Context,
                $quick: bool,
            ) -> Vec<$crate::tune::TuneJob> {
                $jobs
            }
        }
    };
}
pub(crate) use impl_op;
