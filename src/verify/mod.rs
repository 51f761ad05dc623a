//! `verify`: every op and variant the adapter supports against its CPU reference, over awkward
//! shapes. Shared by the CLI, the tests and the web demo so they check the same things.
//! One submodule per op; [`verify_op`] is the one entry point the CLI uses.

mod attention;
// The blocking checks of these are native-only (the async forms serve the browser).
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
mod fft;
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
mod fft_monarch;
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
mod fftconv;
mod gemm;
mod sparse_gemm;

pub use attention::{
    attention_cases, attention_compute_dtype, attention_shape_json, attention_variants_to_check,
    check_attention_async, unit_data, verify_attention_async, AttnCase,
};
#[cfg(not(target_arch = "wasm32"))]
pub use attention::{check_attention, verify_attention};
#[cfg(not(target_arch = "wasm32"))]
pub use fft::{check_fft, check_fft_round_trip, verify_fft};
pub use fft::{
    check_fft_async, check_fft_round_trip_async, fft_shape_json, fft_shapes, verify_fft_async,
};
#[cfg(not(target_arch = "wasm32"))]
pub use fft_monarch::{
    check_fft_monarch, check_fft_monarch_round_trip, monarch_configs, monarch_tolerance,
    verify_fft_monarch,
};
// `fft::verify_fft` (blocking, unused in the browser but still compiled) names it via `super`.
#[cfg(target_arch = "wasm32")]
use fft_monarch::verify_fft_monarch;
#[cfg(not(target_arch = "wasm32"))]
pub use fftconv::{check_fftconv, check_rfft, verify_fftconv};
pub use fftconv::{
    check_fftconv_async, check_rfft_async, fftconv_shape_json, fftconv_shapes, rfft_shape_json,
    verify_fftconv_async,
};
#[cfg(not(target_arch = "wasm32"))]
pub use gemm::{check_gemm, verify_gemm};
pub use gemm::{
    check_gemm_async, gemm_shape_json, gemm_shapes, gemm_variants_to_check, verify_gemm_async,
};
#[cfg(not(target_arch = "wasm32"))]
pub use sparse_gemm::{check_sparse_gemm, verify_sparse_gemm};
pub use sparse_gemm::{
    check_sparse_gemm_async, random_nm, sparse_patterns, sparse_shape_json, sparse_shapes,
    sparse_variant_name, sparse_variants_to_check, verify_sparse_gemm_async,
};

use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::gpu::Context;
use rand::{Rng, SeedableRng};
use serde::Serialize;

/// Every op name the CLI knows, in report order.
pub const OPS: &[&str] = &["gemm", "fft", "fftconv", "attention", "sparse_gemm"];

/// The ops whose checks have a non-blocking form and so run in the browser (the web demo
/// verifies exactly these, through [`verify_op_async`]): all of them.
pub const BROWSER_OPS: &[&str] = &["gemm", "fft", "fftconv", "attention", "sparse_gemm"];

/// In the browser the FFT checks leave out their million-point transforms (`quick` lists):
/// every path (fused, multi-pass, Bluestein, real FFT, each convolution path) is still
/// checked, but a software adapter (SwiftShader) would spend minutes on the largest sizes and
/// a wasm page holds their f64 references in its 32-bit heap. Natively they all run.
const BROWSER_QUICK: bool = cfg!(target_arch = "wasm32");

/// Runs every check of `op` on this adapter; `progress` is called after each check.
/// (Blocking; the browser uses [`verify_op_async`].)
#[cfg(not(target_arch = "wasm32"))]
pub fn verify_op(ctx: &Context, op: &str, progress: &mut dyn FnMut(&Check)) -> Result<Vec<Check>> {
    match op {
        "gemm" => Ok(verify_gemm(ctx, progress)),
        "attention" => Ok(verify_attention(ctx, progress)),
        "fft" => Ok(verify_fft(ctx, progress)),
        "fftconv" => Ok(verify_fftconv(ctx, progress)),
        "sparse_gemm" => Ok(verify_sparse_gemm(ctx, progress)),
        _ => Err(Error::Unsupported(format!(
            "unknown op `{op}` (known: {})",
            OPS.join(", ")
        ))),
    }
}

/// [`verify_op`] without blocking, for the browser (the web demo's Verify section runs exactly
/// this for every name in [`OPS`]). An op is verified in the browser once its checks have an
/// async form here: until then the demo shows it red with this function's error, so a newly
/// registered op cannot go unverified silently.
pub async fn verify_op_async(
    ctx: &Context,
    op: &str,
    progress: &mut dyn FnMut(&Check),
) -> Result<Vec<Check>> {
    match op {
        "gemm" => Ok(verify_gemm_async(ctx, progress).await),
        "attention" => Ok(verify_attention_async(ctx, progress).await),
        "sparse_gemm" => Ok(verify_sparse_gemm_async(ctx, progress).await),
        "fft" => Ok(verify_fft_async(ctx, BROWSER_QUICK, progress).await),
        "fftconv" => Ok(verify_fftconv_async(ctx, BROWSER_QUICK, progress).await),
        _ if OPS.contains(&op) => Err(Error::Unsupported(format!(
            "`{op}` has no async verify path yet (add its arm to verify::verify_op_async)"
        ))),
        _ => Err(Error::Unsupported(format!(
            "unknown op `{op}` (known: {})",
            OPS.join(", ")
        ))),
    }
}

/// One comparison of a kernel with its reference (the `checks[]` rows of `verify --json`).
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    /// Op name (`gemm`, ...).
    pub op: String,
    /// Variant name (`tiled`, `subgroup`, `coop`, `gemv`, ...).
    pub variant: String,
    /// Storage type.
    pub dtype: DType,
    /// The op's own dimensions.
    pub shape: serde_json::Value,
    /// Largest absolute error.
    pub max_abs_err: f64,
    /// Relative L2 error.
    pub rel_l2_err: f64,
    /// The bound applied to `rel_l2_err`.
    pub tolerance: f64,
    /// Whether it passed.
    pub pass: bool,
    /// The configuration that ran.
    pub config: String,
    /// Error text when the kernel failed to run at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Deterministic uniform data in [-1, 1), rounded to `T`, and its f64 values.
pub fn random_data<T: Element>(len: usize, seed: u64) -> (Vec<T>, Vec<f64>) {
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
    let v: Vec<T> = (0..len)
        .map(|_| T::from_f64(rng.random_range(-1.0..1.0)))
        .collect();
    let f = v.iter().map(|x| x.to_f64()).collect();
    (v, f)
}
