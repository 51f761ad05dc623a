//! `plan.check(result, ...inputs)`: a plan's result on typed arrays against the crate's f64 CPU
//! reference, under the crate's one tolerance rule (`harness::tolerance`, applied per op as
//! `verify` applies it). Resolves nothing on the GPU: the page passes the inputs it ran and the
//! output it got. Returns `{max_abs_err, rel_l2_err, tolerance, pass, reference}`, the
//! reference as a `Float64Array` (e.g. to plot beside the result).

use crate::data::{from_json, js_err, Host, Shared};
use crate::nd::{DctLowpassPlan, FftNdPlan};
use crate::plans::{AttentionPlan, FftConvPlan, FftPlan, GemmPlan, SparseGemmPlan};
use half::f16;
use js_sys::Float64Array;
use wasm_bindgen::prelude::*;
use wgkernels::harness::tolerance::{compare, Tolerance};
use wgkernels::{DType, Element};

/// The values of argument `name` (a typed array of the plan's storage type `dtype`) as f64,
/// checked to hold `len` values.
fn values(
    s: &Shared,
    name: &str,
    v: &JsValue,
    dtype: DType,
    len: u64,
) -> Result<Vec<f64>, JsValue> {
    let f: Vec<f64> = match (s.host_arg(name, v)?, dtype) {
        (Host::F32(x), DType::F32) => x.iter().map(|v| v.to_f64()).collect(),
        (Host::F16(x), DType::F16) => x.iter().map(|v: &f16| v.to_f64()).collect(),
        (_, d) => {
            return Err(js_err(format!(
                "{name}: the plan is {d}, so this is a {}",
                if d == DType::F32 {
                    "Float32Array"
                } else {
                    "Uint16Array"
                }
            )))
        }
    };
    if f.len() as u64 != len {
        return Err(js_err(format!(
            "{name} has {} values, the plan needs {len}",
            f.len()
        )));
    }
    Ok(f)
}

/// An optional argument (absent: `None`).
fn optional(
    s: &Shared,
    name: &str,
    v: &JsValue,
    dtype: DType,
    len: u64,
) -> Result<Option<Vec<f64>>, JsValue> {
    if v.is_undefined() || v.is_null() {
        Ok(None)
    } else {
        values(s, name, v, dtype, len).map(Some)
    }
}

/// Member `key` of an options object (undefined when `o` is not an object).
fn member(o: &JsValue, key: &str) -> JsValue {
    if o.is_object() {
        js_sys::Reflect::get(o, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// `got` against `want` under `tol`, with the reference.
fn verdict(got: &[f64], want: Vec<f64>, tol: Tolerance) -> Result<JsValue, JsValue> {
    let c = compare(got, &want, tol);
    let v = from_json(&serde_json::to_value(c).map_err(js_err)?)?;
    js_sys::Reflect::set(&v, &"reference".into(), &Float64Array::from(&want[..]))?;
    Ok(v)
}

#[wasm_bindgen]
impl GemmPlan {
    /// Checks `result` (C as `run` returned it) against the f64 product of `a`, `b` (and the
    /// input `c` when beta ≠ 0) under the GEMM tolerance (f16 rounding on cooperative matrices).
    pub fn check(
        &self,
        result: JsValue,
        a: JsValue,
        b: JsValue,
        c: JsValue,
    ) -> Result<JsValue, JsValue> {
        let s = &self.shared;
        let d = *self.plan.desc();
        let got = values(s, "result", &result, d.dtype, d.c_len())?;
        let af = values(s, "A", &a, d.dtype, d.a_len())?;
        let bf = values(s, "B", &b, d.dtype, d.b_len())?;
        let cf = optional(s, "C", &c, d.dtype, d.c_len())?;
        let want = wgkernels::ops::gemm::reference::gemm_ref(&d, &af, &bf, cf.as_deref());
        let compute = if self.plan.config().variant() == wgkernels::GemmVariant::Coop {
            DType::F16
        } else {
            d.dtype
        };
        verdict(&got, want, Tolerance::gemm(compute, d.k))
    }
}

#[wasm_bindgen]
impl FftPlan {
    /// Checks `result` against the f64 FFT of `input` (scaled by 1/n when inverse) under the
    /// FFT tolerance of the plan's variant.
    pub fn check(&self, result: JsValue, input: JsValue) -> Result<JsValue, JsValue> {
        let s = &self.shared;
        let d = *self.plan.desc();
        let got = values(s, "result", &result, d.dtype, d.len())?;
        let x = values(s, "input", &input, d.dtype, d.len())?;
        let want =
            wgkernels::ops::fft::reference::fft_ref(d.n as usize, d.batch as usize, d.inverse, &x);
        let tol = wgkernels::ops::fft::verify::fft_tolerance(&d, self.plan.config());
        verdict(&got, want, tol)
    }
}

#[wasm_bindgen]
impl FftConvPlan {
    /// Checks `result` (y) against the f64 convolution of `u` with the kernels `k` (a
    /// Float32Array, channels × kernelLength) and the gates of `extras` (`{preGate,
    /// postGate}`, as given to `run`) under the convolution's tolerance.
    pub fn check(
        &self,
        result: JsValue,
        u: JsValue,
        k: JsValue,
        extras: JsValue,
    ) -> Result<JsValue, JsValue> {
        let s = &self.shared;
        let d = *self.plan.desc();
        let got = values(s, "result", &result, d.dtype, d.len())?;
        let uf = values(s, "u", &u, d.dtype, d.len())?;
        let kf = values(s, "k", &k, DType::F32, d.k_len())?;
        let pre = optional(s, "preGate", &member(&extras, "preGate"), d.dtype, d.len())?;
        let post = optional(
            s,
            "postGate",
            &member(&extras, "postGate"),
            d.dtype,
            d.len(),
        )?;
        if pre.is_some() != d.pre_gate || post.is_some() != d.post_gate {
            return Err(js_err(
                "extras: give the gates the plan has (preGate, postGate), and only those",
            ));
        }
        let want = wgkernels::ops::fftconv::verify::plan_reference(
            &self.plan,
            &uf,
            &kf,
            pre.as_deref(),
            post.as_deref(),
        );
        verdict(
            &got,
            want,
            Tolerance::fftconv(d.dtype, self.plan.n_fft() as u64),
        )
    }
}

#[wasm_bindgen]
impl AttentionPlan {
    /// Checks `result` (O, or `{o, lse}` as `run` returned it; O is compared) against f64
    /// attention on `q`, `k`, `v` with the plan's mask and score modifiers, under the attention tolerance of the
    /// plan's compute precision.
    pub fn check(
        &self,
        result: JsValue,
        q: JsValue,
        k: JsValue,
        v: JsValue,
    ) -> Result<JsValue, JsValue> {
        let s = &self.shared;
        let d = *self.plan.desc();
        let o = match member(&result, "o") {
            o if o.is_undefined() => result,
            o => o,
        };
        let got = values(s, "result", &o, d.dtype, d.o_len_elems())?;
        let qf = values(s, "Q", &q, d.dtype, d.q_len_elems())?;
        let kf = values(s, "K", &k, d.dtype, d.kv_len_elems())?;
        let vf = values(s, "V", &v, d.dtype, d.v_len_elems())?;
        let (want, _) = wgkernels::ops::attention::reference::attention_ref_mods(
            &d,
            self.mask.as_ref(),
            &self.mods,
            &qf,
            &kf,
            &vf,
            None,
        );
        let compute =
            wgkernels::ops::attention::verify::attention_compute_dtype(self.plan.config());
        verdict(
            &got,
            want,
            Tolerance::attention(compute, d.dtype, d.nkv, d.head_dim),
        )
    }
}

#[wasm_bindgen]
impl SparseGemmPlan {
    /// Checks `result` against the f64 product of `sparse` (the dense form that was compressed,
    /// after pruning when `compress` pruned: `prune(dense)`) with `dense` (and `extras.bias`)
    /// under the N:M GEMM tolerance (the kept products are the reduction).
    pub fn check(
        &self,
        result: JsValue,
        sparse: JsValue,
        dense: JsValue,
        extras: JsValue,
    ) -> Result<JsValue, JsValue> {
        let s = &self.shared;
        let d = *self.plan.desc();
        let (rows, cols) = (d.rows as u64 * d.sparse_batches() as u64, d.k as u64);
        let got = values(s, "result", &result, d.dtype, d.out_len())?;
        let sf = values(s, "sparse", &sparse, d.dtype, rows * cols)?;
        let df = values(s, "dense", &dense, d.dtype, d.dense_len())?;
        let bias = optional(s, "bias", &member(&extras, "bias"), d.dtype, d.rows as u64)?;
        if bias.is_some() != d.bias {
            return Err(js_err(
                "extras: give the bias exactly when the plan has one",
            ));
        }
        let want =
            wgkernels::ops::sparse_gemm::reference::sparse_gemm_ref(&d, &sf, &df, bias.as_deref());
        let compute = if self.plan.config().variant() == wgkernels::SparseVariant::Coop {
            DType::F16
        } else {
            d.dtype
        };
        verdict(&got, want, Tolerance::sparse_gemm(compute, d.k, d.pattern))
    }
}

#[wasm_bindgen]
impl FftNdPlan {
    /// Checks `result` against the f64 N-D transform of `input` (the crate's `fftn_ref`).
    pub fn check(&self, result: JsValue, input: JsValue) -> Result<JsValue, JsValue> {
        let s = &self.shared;
        let d = self.plan.desc();
        let got = values(s, "result", &result, d.dtype, d.out_len())?;
        let x = values(s, "input", &input, d.dtype, d.in_len())?;
        let want = wgkernels::ops::fft::reference::fftn_ref(d, &x);
        verdict(&got, want, d.tolerance())
    }
}

#[wasm_bindgen]
impl DctLowpassPlan {
    /// Checks `result` (the coefficients) against the f64 low-pass of `input`.
    pub fn check(&self, result: JsValue, input: JsValue) -> Result<JsValue, JsValue> {
        let s = &self.shared;
        let d = self.plan.desc();
        let got = values(s, "result", &result, d.dtype, d.out_len())?;
        let x = values(s, "input", &input, d.dtype, d.len())?;
        let want = wgkernels::ops::fft::reference::dct_lowpass_ref(d, &x);
        verdict(&got, want, d.tolerance())
    }
}
