//! What crosses the JS boundary: options, typed arrays, the package's buffers, errors.

use half::f16;
use js_sys::{Float32Array, Uint16Array};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wgkernels::{read_buffer, Context, DType, Element};

/// A JS `Error` whose message is `e`'s (the Rust error's text, unchanged).
pub fn js_err(e: impl std::fmt::Display) -> JsValue {
    js_sys::Error::new(&e.to_string()).into()
}

/// A JSON value as a plain JS object.
pub fn from_json(v: &serde_json::Value) -> Result<JsValue, JsValue> {
    js_sys::JSON::parse(&v.to_string())
}

/// A plain JS options object as `T` (unknown keys are an error, so a typo is not ignored).
pub fn options<T: serde::de::DeserializeOwned>(what: &str, v: &JsValue) -> Result<T, JsValue> {
    let text = js_sys::JSON::stringify(v)
        .map_err(|_| js_err(format!("{what}: options are not a plain object")))?;
    serde_json::from_str(&String::from(text)).map_err(|e| js_err(format!("{what}: {e}")))
}

/// A storage type named in options (`"f32"` when omitted).
pub fn dtype(name: Option<&str>) -> Result<DType, JsValue> {
    name.unwrap_or("f32").parse().map_err(js_err)
}

/// Host values of either storage type.
pub enum Host {
    F32(Vec<f32>),
    F16(Vec<f16>),
}

impl Host {
    fn dtype(&self) -> DType {
        match self {
            Host::F32(_) => DType::F32,
            Host::F16(_) => DType::F16,
        }
    }
}

/// One argument of `run`: typed array or one of the package's buffers.
pub enum Arg {
    Host(Host),
    Gpu(wgpu::Buffer),
}

/// An element type a typed array can carry: f32 in `Float32Array`, f16 bits in `Uint16Array`.
pub trait JsElement: Element {
    /// The values of `h` when they are of this type.
    fn take(h: Host) -> Option<Vec<Self>>;
    /// `v` as the typed array of this type.
    fn to_js(v: &[Self]) -> JsValue;
}

impl JsElement for f32 {
    fn take(h: Host) -> Option<Vec<Self>> {
        match h {
            Host::F32(v) => Some(v),
            Host::F16(_) => None,
        }
    }
    fn to_js(v: &[Self]) -> JsValue {
        Float32Array::from(v).into()
    }
}

impl JsElement for f16 {
    fn take(h: Host) -> Option<Vec<Self>> {
        match h {
            Host::F16(v) => Some(v),
            Host::F32(_) => None,
        }
    }
    fn to_js(v: &[Self]) -> JsValue {
        let bits: Vec<u16> = v.iter().map(|x| x.to_bits()).collect();
        Uint16Array::from(&bits[..]).into()
    }
}

/// The host values of `h` as `T`, or an error naming the argument and both types.
pub fn expect<T: JsElement>(name: &str, h: Host) -> Result<Vec<T>, JsValue> {
    let have = h.dtype();
    T::take(h).ok_or_else(|| {
        js_err(format!(
            "{name} holds {have} values ({}) but the plan is {}",
            kind(have),
            T::DTYPE
        ))
    })
}

/// The typed array that carries `d`.
fn kind(d: DType) -> &'static str {
    match d {
        DType::F32 => "Float32Array",
        DType::F16 => "Uint16Array",
    }
}

/// The device and the buffers the package made (JS holds their `GPUBuffer`s; plans find the
/// `wgpu::Buffer` behind one by identity, since wgpu cannot wrap a JS-created buffer).
pub struct Shared {
    pub ctx: Context,
    buffers: RefCell<Vec<wgpu::Buffer>>,
    /// The dispatcher calls of the plans built so far, one per tuning bucket (key, call).
    pub(crate) jobs: RefCell<Vec<(String, crate::tune::TuneJob)>>,
    /// The adapter's peaks, measured by the first `report` (the probe takes seconds).
    pub(crate) peaks: RefCell<Option<wgkernels::probe::Peaks>>,
}

impl Shared {
    pub fn new(ctx: Context) -> Self {
        Self {
            ctx,
            buffers: RefCell::new(Vec::new()),
            jobs: RefCell::new(Vec::new()),
            peaks: RefCell::new(None),
        }
    }

    /// The package's buffer whose `GPUBuffer` is `v`.
    fn find(&self, v: &JsValue) -> Option<wgpu::Buffer> {
        self.buffers
            .borrow()
            .iter()
            .find(|b| {
                b.as_webgpu()
                    .is_some_and(|g| AsRef::<JsValue>::as_ref(g) == v)
            })
            .cloned()
    }

    /// Keeps `b` and returns its `GPUBuffer`.
    pub fn register(&self, b: wgpu::Buffer) -> Result<JsValue, JsValue> {
        let js: JsValue = b
            .as_webgpu()
            .ok_or_else(|| js_err("the buffer is not on the browser's WebGPU backend"))?
            .clone()
            .into();
        self.buffers.borrow_mut().push(b);
        Ok(js)
    }

    /// Reads argument `name` of `run`.
    pub fn arg(&self, name: &str, v: &JsValue) -> Result<Arg, JsValue> {
        if let Some(a) = v.dyn_ref::<Float32Array>() {
            Ok(Arg::Host(Host::F32(a.to_vec())))
        } else if let Some(a) = v.dyn_ref::<Uint16Array>() {
            Ok(Arg::Host(Host::F16(
                a.to_vec().into_iter().map(f16::from_bits).collect(),
            )))
        } else if let Some(b) = self.find(v) {
            Ok(Arg::Gpu(b))
        } else {
            Err(js_err(format!(
                "{name}: expected a Float32Array, a Uint16Array (f16 bits) or a GPUBuffer made by \
                 this Kernels instance (createBuffer or a plan's output)"
            )))
        }
    }

    /// Argument `name` when it must be one of the package's buffers (the other inputs are).
    pub fn gpu_arg(&self, name: &str, v: &JsValue) -> Result<wgpu::Buffer, JsValue> {
        match self.arg(name, v)? {
            Arg::Gpu(b) => Ok(b),
            Arg::Host(_) => Err(js_err(format!(
                "{name}: the other inputs are GPUBuffers, so this one must be too"
            ))),
        }
    }

    /// Argument `name` when it must be a typed array (the other inputs are).
    pub fn host_arg(&self, name: &str, v: &JsValue) -> Result<Host, JsValue> {
        match self.arg(name, v)? {
            Arg::Host(h) => Ok(h),
            Arg::Gpu(_) => Err(js_err(format!(
                "{name}: the other inputs are typed arrays, so this one must be too"
            ))),
        }
    }

    /// A zero-filled output buffer of `bytes`, registered.
    pub fn output(&self, label: &str, bytes: u64) -> Result<(wgpu::Buffer, JsValue), JsValue> {
        let b = self.ctx.storage(label, bytes).map_err(js_err)?;
        let js = self.register(b.clone())?;
        Ok((b, js))
    }

    /// See `Kernels::create_buffer`.
    pub fn create_buffer(&self, init: &JsValue) -> Result<JsValue, JsValue> {
        let b = if let Some(n) = init.as_f64() {
            if !(n >= 0.0 && n.fract() == 0.0) {
                return Err(js_err(format!(
                    "createBuffer: byte length {n} is not a whole number"
                )));
            }
            self.ctx.storage("buffer", n as u64)
        } else {
            match self.host_arg("createBuffer", init)? {
                Host::F32(v) => self.ctx.upload("buffer", &v),
                Host::F16(v) => self.ctx.upload("buffer", &v),
            }
        }
        .map_err(js_err)?;
        self.register(b)
    }

    /// See `Kernels::read`.
    pub async fn read(
        &self,
        buffer: &JsValue,
        dtype_name: Option<&str>,
        length: Option<u32>,
    ) -> Result<JsValue, JsValue> {
        let b = self.gpu_arg("read", buffer)?;
        let d = dtype(dtype_name)?;
        let len = length.map_or(b.size() / d.size(), u64::from) as usize;
        let ctx = &self.ctx;
        ctx.capture_errors(async {
            Ok(match d {
                DType::F32 => f32::to_js(&read_buffer::<f32>(ctx, &b, len).await?),
                DType::F16 => f16::to_js(&read_buffer::<f16>(ctx, &b, len).await?),
            })
        })
        .await
        .map_err(js_err)
    }

    /// See `Kernels::destroy_buffer`.
    pub fn destroy(&self, v: &JsValue) -> Result<(), JsValue> {
        let mut all = self.buffers.borrow_mut();
        let i = all
            .iter()
            .position(|b| {
                b.as_webgpu()
                    .is_some_and(|g| AsRef::<JsValue>::as_ref(g) == v)
            })
            .ok_or_else(|| js_err("destroyBuffer: not a buffer of this Kernels instance"))?;
        all.swap_remove(i).destroy();
        Ok(())
    }
}
