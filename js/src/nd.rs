//! N-D transforms (`fftn`, `rfftn`, `irfftn`, `dctn`, ... over up to the last three axes) and the
//! DCT low-pass (the lowest k × k orthonormal DCT-II coefficients of each image), as plans with
//! the same `run` as the 1-D ones: typed array in → typed array out, or GPUBuffer in → GPUBuffer.

use crate::data::{dtype, from_json, js_err, options, JsElement, Shared};
use crate::plans::{base_row, make, run_transform, submit, transform, Transform};
use js_sys::Promise;
use serde::Deserialize;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wgkernels::ops::fft::r2r::R2rKind;
use wgkernels::ops::fft::work::{nd_work, NdCase};
use wgkernels::ops::fft::NAME;
use wgkernels::{DType, DctLowpassDesc, FftNdDesc, NdTransform};

/// Options of `Kernels.fftn`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FftNdOptions {
    /// The array's shape, outermost first (for `c2r`, the real output's).
    shape: Vec<u32>,
    /// Transformed axes (distinct, among the last three); default: all of the last three.
    #[serde(default)]
    axes: Option<Vec<usize>>,
    /// `c2c`, `r2c`, `c2r`, `dct2`, `dct3`, `dct4`, `dst2`.
    transform: String,
    /// `c2c` only: the inverse transform.
    #[serde(default)]
    inverse: bool,
    /// `backward` (default), `ortho` or `forward`, as NumPy's `norm=`.
    #[serde(default)]
    norm: Option<String>,
    #[serde(default)]
    dtype: Option<String>,
}

impl FftNdOptions {
    fn desc(&self) -> Result<FftNdDesc, JsValue> {
        let transform = match self.transform.as_str() {
            "c2c" => NdTransform::C2c {
                inverse: self.inverse,
            },
            _ if self.inverse => {
                return Err(js_err(
                    "fftn: `inverse` is for c2c (the inverse of r2c is c2r, of dct2 dct3)",
                ))
            }
            "r2c" => NdTransform::R2c,
            "c2r" => NdTransform::C2r,
            other => NdTransform::R2r(other.parse::<R2rKind>().map_err(|_| {
                js_err(format!(
                    "fftn: unknown transform `{other}` (c2c, r2c, c2r, dct2, dct3, dct4, dst2)"
                ))
            })?),
        };
        let rank = self.shape.len();
        let axes = self
            .axes
            .clone()
            .unwrap_or_else(|| (rank.saturating_sub(3)..rank).collect());
        let mut d =
            FftNdDesc::new(&self.shape, &axes, transform).dtype(dtype(self.dtype.as_deref())?);
        if let Some(n) = &self.norm {
            d = d.norm(n.parse().map_err(js_err)?);
        }
        Ok(d)
    }
}

transform!(
    wgkernels::FftNdPlan,
    |p| p.desc().in_len() * p.desc().dtype.size(),
    p.desc().out_len() * p.desc().dtype.size()
);
transform!(
    wgkernels::DctLowpassPlan,
    |p| p.desc().len() * p.desc().dtype.size(),
    p.desc().out_len() * p.desc().dtype.size()
);

/// An N-D transform plan over up to the last three axes of a (batched) array.
#[wasm_bindgen]
pub struct FftNdPlan {
    pub(crate) shared: Rc<Shared>,
    pub(crate) plan: Rc<wgkernels::FftNdPlan>,
    /// Where the configuration came from (`default` or `cache`).
    source: &'static str,
}

impl FftNdPlan {
    pub(crate) fn new(shared: &Rc<Shared>, o: JsValue) -> Result<Self, JsValue> {
        let desc = options::<FftNdOptions>("fftn", &o)?.desc()?;
        let (plan, source) = make(shared, |ctx| wgkernels::FftNdPlan::new(ctx, desc))?;
        Ok(Self {
            shared: shared.clone(),
            plan,
            source,
        })
    }
}

#[wasm_bindgen]
impl FftNdPlan {
    /// Transforms `input` (`inShape`, complex values interleaved); with a GPUBuffer input, into
    /// `output` (a new buffer when omitted).
    pub fn run(&self, input: JsValue, output: JsValue) -> Promise {
        run_transform(&self.shared, self.plan.clone(), input, output)
    }

    /// The configuration (how an axis is moved last and back), e.g. `direct+gather`.
    #[wasm_bindgen(getter)]
    pub fn config(&self) -> String {
        self.plan.config().label()
    }

    /// The input array's shape (complex arrays: in complex values, each two numbers).
    #[wasm_bindgen(getter, js_name = inShape)]
    pub fn in_shape(&self) -> Result<JsValue, JsValue> {
        from_json(&self.plan.desc().in_shape().into())
    }

    /// The output array's shape.
    #[wasm_bindgen(getter, js_name = outShape)]
    pub fn out_shape(&self) -> Result<JsValue, JsValue> {
        from_json(&self.plan.desc().out_shape().into())
    }

    /// Times the plan on operands of its own (`{warmup, iters}`), as the native bench's N-D
    /// rows count it (variant `nd_<transform>`).
    pub fn time(&self, options: JsValue) -> Promise {
        let d = self.plan.desc().clone();
        let shape = serde_json::json!({ "shape": d.shape, "axes": d.axes });
        let variant = format!("nd_{}", d.transform.name());
        let row = base_row(NAME, d.dtype, shape, variant, self.config(), self.source);
        let work = nd_work(&NdCase::Transform(d));
        self.plan.clone().time(&self.shared, options, row, work)
    }
}

/// Options of `Kernels.dctLowpass`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LowpassOptions {
    #[serde(default)]
    batch: Option<u32>,
    height: u32,
    width: u32,
    /// The k × k lowest coefficients kept.
    k: u32,
    #[serde(default)]
    dtype: Option<String>,
}

/// The DCT low-pass: per image (batch × height × width) the lowest k × k coefficients of its
/// orthonormal 2-D DCT-II (batch × k × k), in one chain.
#[wasm_bindgen]
pub struct DctLowpassPlan {
    pub(crate) shared: Rc<Shared>,
    pub(crate) plan: Rc<wgkernels::DctLowpassPlan>,
    /// Where the configuration came from (`default` or `cache`).
    source: &'static str,
}

impl DctLowpassPlan {
    pub(crate) fn new(shared: &Rc<Shared>, o: JsValue) -> Result<Self, JsValue> {
        let o: LowpassOptions = options("dctLowpass", &o)?;
        let desc = DctLowpassDesc::new(o.batch.unwrap_or(1), o.height, o.width, o.k)
            .dtype(dtype(o.dtype.as_deref())?);
        let (plan, source) = make(shared, |ctx| wgkernels::DctLowpassPlan::new(ctx, desc))?;
        Ok(Self {
            shared: shared.clone(),
            plan,
            source,
        })
    }
}

#[wasm_bindgen]
impl DctLowpassPlan {
    /// The coefficients of `input` (batch·height·width values); with a GPUBuffer input, into
    /// `output` (a new buffer when omitted).
    pub fn run(&self, input: JsValue, output: JsValue) -> Promise {
        run_transform(&self.shared, self.plan.clone(), input, output)
    }

    /// The transpose kernel that moves the column axis (`tiled` or `direct`).
    #[wasm_bindgen(getter)]
    pub fn config(&self) -> String {
        format!("{:?}", self.plan.config()).to_lowercase()
    }

    /// Times the plan on operands of its own (`{warmup, iters}`), as the native bench's
    /// low-pass row counts it (variant `dct_lowpass`).
    pub fn time(&self, options: JsValue) -> Promise {
        let d = *self.plan.desc();
        let shape = serde_json::json!({ "batch": d.batch, "h": d.h, "w": d.w, "k": d.k });
        let row = base_row(
            NAME,
            d.dtype,
            shape,
            "dct_lowpass".into(),
            self.config(),
            self.source,
        );
        let work = nd_work(&NdCase::Lowpass(d));
        self.plan.clone().time(&self.shared, options, row, work)
    }
}
