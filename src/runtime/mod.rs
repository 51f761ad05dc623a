//! The runtime every op builds on, naming none of them: the GPU context (instance, adapter,
//! device, queue) and the capability probe the dispatcher reads, buffers, timing, the pipeline
//! registry with its host-side specialisation, and the per-context state kept on disk (the
//! tuning cache and the driver's pipeline cache). Apps that already own a device wrap it with
//! [`Context::from_parts`].

mod asynchronous;
mod buffers;
pub mod coop;
#[cfg(not(target_arch = "wasm32"))]
pub(crate) mod driver_cache;
pub mod pipelines;
pub(crate) mod specialize;
mod timing;
pub mod tune_cache;
pub mod tuner;

pub use asynchronous::time_gpu_async;
pub use buffers::{read_buffer, Operand};
#[cfg(not(target_arch = "wasm32"))]
pub use timing::time_gpu;
pub use timing::{median, Timing, TimingSource};
pub use tuner::Tuner;

use crate::error::{Error, Result};
use pipelines::PipelineCache;

use std::sync::{Arc, Mutex};
/// A clock that works natively and in the browser (`std::time::Instant` panics on wasm32).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) use std::time::Instant;
#[cfg(target_arch = "wasm32")]
pub(crate) use web_time::Instant;

/// A cooperative-matrix configuration the adapter lists: `C[m×n] += A[m×k]·B[k×n]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct CoopConfig {
    /// Rows of A and C.
    pub m: u32,
    /// Columns of B and C.
    pub n: u32,
    /// Columns of A, rows of B.
    pub k: u32,
    /// Element type of A and B (`"f16"`, `"f32"`, ...).
    pub ab: &'static str,
    /// Element type of the accumulator C.
    pub c: &'static str,
}

/// What the adapter can do, as far as the kernels care. Probed once at context creation.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Capabilities {
    /// `SHADER_F16` is enabled on the device.
    pub f16: bool,
    /// `SUBGROUP` is enabled on the device.
    pub subgroups: bool,
    /// `SHADER_INT64` is enabled on the device (64-bit integers in shaders).
    pub int64: bool,
    /// Smallest subgroup size the adapter may use.
    pub subgroup_min: u32,
    /// Largest subgroup size the adapter may use.
    pub subgroup_max: u32,
    /// Cooperative-matrix configurations (empty unless the feature is enabled).
    pub coop: Vec<CoopConfig>,
    /// `TIMESTAMP_QUERY` is enabled: kernels are timed on the GPU.
    pub timestamps: bool,
    /// Discrete, integrated, CPU (software rasteriser), ...: steers default tile sizes.
    #[serde(skip)]
    pub device_type: wgpu::DeviceType,
    /// PCI vendor id (0x10de NVIDIA, 0x1002 AMD, 0x8086 Intel, 0x106b Apple, ...).
    pub vendor: u32,
}

impl Capabilities {
    /// The square f16×f16→f32 cooperative tile size the kernels can use, preferring 16 over 8.
    /// `None` where the adapter lists no such configuration (or f16 is off).
    pub fn coop_f16_f32_tile(&self) -> Option<u32> {
        [16, 8].into_iter().find(|&s| self.has_coop_f16_f32(s))
    }

    /// Whether kernels with a word variant (FFT, FFT convolution, GEMV, the 2:4 kernels of CPU
    /// rasterisers) move their data as 64-bit words here: on a CPU adapter with `SHADER_INT64`.
    /// Why only there: Mesa's gallivm (lavapipe) turns each storage or workgroup access into a
    /// loop over the lanes with one trip per component, so words halve the trips or better (the
    /// subgroup FFT kernels 1.03–1.35× faster on lavapipe 22.3, docs/kernel-notes.md, stop 38); a
    /// GPU moves a vec4 in one instruction either way and may emulate the 64-bit shifts.
    pub fn word_access(&self) -> bool {
        self.int64 && self.device_type == wgpu::DeviceType::Cpu
    }

    /// Whether the adapter lists square `tile`² f16×f16→f32 cooperative matrices (and f16 is on).
    pub fn has_coop_f16_f32(&self, tile: u32) -> bool {
        self.f16
            && self
                .coop
                .iter()
                .any(|c| c.m == tile && c.n == tile && c.k == tile && c.ab == "f16" && c.c == "f32")
    }
}

/// Identity of an adapter: printed by `info`, written into every report, and the key of the
/// tuning cache.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct AdapterId {
    /// Adapter name (empty in browsers).
    pub name: String,
    /// PCI vendor id (or backend-specific).
    pub vendor: u32,
    /// PCI device id.
    pub device: u32,
    /// `Vulkan`, `Gl`, `Metal`, `Dx12`, `BrowserWebGpu`.
    pub backend: String,
    /// `DiscreteGpu`, `Cpu`, ...
    pub device_type: String,
    /// Driver name.
    pub driver: String,
    /// Driver version string.
    pub driver_info: String,
}

/// The device the kernels run on, with its probed capabilities and the pipeline cache.
///
/// Cheap to clone (everything inside is reference-counted), `Send + Sync` on native targets.
#[derive(Clone)]
pub struct Context {
    /// The adapter (kept for its info and limits).
    pub adapter: wgpu::Adapter,
    /// The device every buffer and pipeline belongs to.
    pub device: wgpu::Device,
    /// The queue work is submitted to.
    pub queue: wgpu::Queue,
    caps: Arc<Capabilities>,
    lost: Arc<Mutex<Option<String>>>,
    pub(crate) pipelines: Arc<PipelineCache>,
    /// Tuning mode, cache and counters (see [`Tuner`]).
    pub(crate) tuner: Arc<Tuner>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("adapter", &self.adapter.get_info().name)
            .field("caps", &self.caps)
            .finish()
    }
}

/// Features the kernels use where the adapter has them.
fn wanted_features() -> wgpu::Features {
    wgpu::Features::SHADER_F16
        | wgpu::Features::SHADER_INT64
        | wgpu::Features::SUBGROUP
        | wgpu::Features::TIMESTAMP_QUERY
        | wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX
        | wgpu::Features::PIPELINE_CACHE
}

impl Context {
    /// Creates a context on the default adapter, honouring `WGPU_BACKEND` (`vulkan`, `gl`,
    /// `metal`, `dx12`, comma-separated) and `WGPU_ADAPTER_NAME` (a case-insensitive substring of
    /// the adapter name). Requests every feature the kernels can use and the adapter's own limits.
    pub async fn new() -> Result<Self> {
        let adapter = Self::select_adapter().await?;
        Self::from_adapter(adapter).await
    }

    /// Blocking form of [`Context::new`] for native code.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn new_blocking() -> Result<Self> {
        pollster::block_on(Self::new())
    }

    /// Picks the adapter named by the environment, else the high-performance default.
    ///
    /// Without `WGPU_BACKEND` only the primary backends (Vulkan, Metal, DX12, the browser's
    /// WebGPU) are probed, and GL only when they offer no adapter. Why: initialising GL probes
    /// EGL platforms, and libwayland prints `error: XDG_RUNTIME_DIR is invalid or not set` on a
    /// headless machine; a user who did not ask for GL should not see a false alarm.
    async fn select_adapter() -> Result<wgpu::Adapter> {
        let asked = wgpu::Backends::from_env();
        let tiers = match asked {
            Some(b) => vec![b],
            None => vec![wgpu::Backends::PRIMARY, wgpu::Backends::SECONDARY],
        };
        let want = std::env::var("WGPU_ADAPTER_NAME")
            .ok()
            .map(|w| w.to_lowercase());
        let mut seen: Vec<String> = Vec::new();
        for backends in tiers {
            let mut desc = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
            desc.backends = backends;
            let instance = wgpu::Instance::new(desc);
            if let Some(want) = &want {
                let adapters = instance.enumerate_adapters(backends).await;
                seen.extend(adapters.iter().map(|a| {
                    let i = a.get_info();
                    format!("{} ({:?})", i.name, i.backend)
                }));
                if let Some(a) = adapters
                    .into_iter()
                    .find(|a| a.get_info().name.to_lowercase().contains(want))
                {
                    return Ok(a);
                }
                continue;
            }
            let options = wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                ..Default::default()
            };
            if let Ok(a) = instance.request_adapter(&options).await {
                return Ok(a);
            }
        }
        let backends = asked.unwrap_or(wgpu::Backends::all());
        Err(Error::NoAdapter(match want {
            Some(want) => format!(
                "WGPU_ADAPTER_NAME={want:?} matches none of [{}]",
                seen.join(", ")
            ),
            None => format!(
                "no adapter on backends {backends:?} (install a Vulkan/GL driver, e.g. Mesa's \
                 lavapipe: apt-get install mesa-vulkan-drivers)"
            ),
        }))
    }

    /// Creates a device on `adapter` with every useful feature it has and its full limits.
    pub async fn from_adapter(adapter: wgpu::Adapter) -> Result<Self> {
        let mut features = adapter.features() & wanted_features();
        // Only ask for cooperative matrices where the adapter lists at least one configuration.
        if adapter.cooperative_matrix_properties().is_empty() {
            features.remove(wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX);
        }
        let desc = wgpu::DeviceDescriptor {
            label: Some("wgkernels"),
            required_features: features,
            required_limits: adapter.limits(),
            // SAFETY: the only experimental feature requested is cooperative matrices; the
            // dispatcher only uses configurations the adapter lists (see `Capabilities::coop`),
            // which is the condition wgpu documents for their sound use.
            experimental_features: unsafe { wgpu::ExperimentalFeatures::enabled() },
            memory_hints: wgpu::MemoryHints::Performance,
            trace: wgpu::Trace::Off,
        };
        let (device, queue) = adapter.request_device(&desc).await?;
        Ok(Self::from_parts(adapter, device, queue))
    }

    /// A new device on this context's adapter, with the same features and limits, sharing its
    /// tuner (mode and cache). Why: a CPU adapter compiles each device's pipelines on that
    /// device's own driver thread, so independent work on two devices compiles in parallel.
    pub async fn sibling(&self) -> Result<Self> {
        let mut c = Self::from_adapter(self.adapter.clone()).await?;
        c.tuner = self.tuner.clone();
        Ok(c)
    }

    /// Wraps a caller's adapter, device and queue: the kernels then run on that device and on
    /// the caller's own buffers. Capabilities are those the *device* was created with.
    pub fn from_parts(adapter: wgpu::Adapter, device: wgpu::Device, queue: wgpu::Queue) -> Self {
        let features = device.features();
        let info = adapter.get_info();
        let coop = if features.contains(wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX) {
            adapter
                .cooperative_matrix_properties()
                .iter()
                .map(|p| CoopConfig {
                    m: p.m_size,
                    n: p.n_size,
                    k: p.k_size,
                    ab: scalar_name(p.ab_type),
                    c: scalar_name(p.cr_type),
                })
                .collect()
        } else {
            Vec::new()
        };
        let caps = Capabilities {
            f16: features.contains(wgpu::Features::SHADER_F16),
            subgroups: features.contains(wgpu::Features::SUBGROUP),
            int64: features.contains(wgpu::Features::SHADER_INT64),
            subgroup_min: info.subgroup_min_size,
            subgroup_max: info.subgroup_max_size,
            coop,
            timestamps: features.contains(wgpu::Features::TIMESTAMP_QUERY),
            device_type: info.device_type,
            vendor: info.vendor,
        };
        let lost = Arc::new(Mutex::new(None));
        let lost_flag = lost.clone();
        device.set_device_lost_callback(move |reason, msg| {
            if let Ok(mut l) = lost_flag.lock() {
                *l = Some(format!("{reason:?}: {msg}"));
            }
        });
        Self {
            adapter,
            device,
            queue,
            caps: Arc::new(caps),
            lost,
            pipelines: Arc::new(PipelineCache::default()),
            tuner: Arc::new(Tuner::from_env()),
        }
    }

    /// The probed capabilities.
    pub fn caps(&self) -> &Capabilities {
        &self.caps
    }

    /// The device's limits (those it was created with).
    pub fn limits(&self) -> wgpu::Limits {
        self.device.limits()
    }

    /// Adapter identity for reports and the tuning cache.
    pub fn adapter_id(&self) -> AdapterId {
        let i = self.adapter.get_info();
        AdapterId {
            name: i.name,
            vendor: i.vendor,
            device: i.device,
            backend: format!("{:?}", i.backend),
            device_type: format!("{:?}", i.device_type),
            driver: i.driver,
            driver_info: i.driver_info,
        }
    }

    /// Fails with [`Error::DeviceLost`] once the device is gone, so ops stop before dispatching.
    ///
    /// wgpu reports a loss (a driver reset, `device.destroy()`) through the device-lost callback,
    /// which it runs only while it maintains the device: a non-blocking poll first lets it run,
    /// so the loss is seen by the next call, not by whichever later call happens to wait.
    pub fn check_alive(&self) -> Result<()> {
        let lost = || self.lost.lock().ok().and_then(|l| l.clone());
        if lost().is_none() {
            // An error here is the loss itself, which the callback has just recorded.
            let _ = self.device.poll(wgpu::PollType::Poll);
        }
        match lost() {
            Some(msg) => Err(Error::DeviceLost(msg)),
            None => Ok(()),
        }
    }

    /// Fails unless the device has `SHADER_F16`.
    pub fn require_f16(&self) -> Result<()> {
        if self.caps.f16 {
            Ok(())
        } else {
            Err(Error::MissingFeature("SHADER_F16 (f16 storage)"))
        }
    }

    /// Checks that one binding of `bytes` fits `max_storage_buffer_binding_size`.
    pub fn check_binding_size(&self, what: &str, bytes: u64) -> Result<()> {
        let max = self.limits().max_storage_buffer_binding_size;
        if bytes > max {
            return Err(Error::OverLimit {
                what: what.to_string(),
                need: bytes,
                limit: "max_storage_buffer_binding_size",
                max,
            });
        }
        Ok(())
    }

    /// Runs `f` inside validation and out-of-memory error scopes, turning what wgpu reports into
    /// [`Error::Gpu`] instead of the default panic handler.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn scoped<T>(&self, f: impl FnOnce() -> T) -> Result<T> {
        self.check_alive()?;
        let oom = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let val = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let out = f();
        let v = val.pop();
        let o = oom.pop();
        let (v, o) = futures::executor::block_on(async { (v.await, o.await) });
        if let Some(e) = v.or(o) {
            return Err(Error::Gpu(e.to_string()));
        }
        self.check_alive()?;
        Ok(out)
    }

    /// Browsers cannot block on error-scope futures: there errors surface as uncaptured errors
    /// (the web demo installs a handler that shows them on the page).
    #[cfg(target_arch = "wasm32")]
    pub fn scoped<T>(&self, f: impl FnOnce() -> T) -> Result<T> {
        self.check_alive()?;
        Ok(f())
    }

    /// Records `record` into one compute pass, submits it and returns without waiting.
    pub fn submit(&self, record: impl FnOnce(&mut wgpu::ComputePass<'_>)) -> Result<()> {
        self.scoped(|| {
            let mut enc = self.device.create_command_encoder(&Default::default());
            {
                let mut pass = enc.begin_compute_pass(&Default::default());
                record(&mut pass);
            }
            self.queue.submit([enc.finish()]);
        })
    }

    /// Waits for all submitted work to finish.
    pub fn wait(&self) -> Result<()> {
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| Error::Gpu(e.to_string()))?;
        self.check_alive()
    }
}

fn scalar_name(t: wgpu::wgt::CooperativeScalarType) -> &'static str {
    use wgpu::wgt::CooperativeScalarType as S;
    match t {
        S::F32 => "f32",
        S::F16 => "f16",
        S::I32 => "i32",
        S::U32 => "u32",
    }
}

/// Spreads `count` workgroups over a 2-D grid within `max_per_dim` per dimension (kernels
/// recover the linear index with `linear_workgroup` and skip the excess). `None` when even the
/// square of the limit is too small.
pub(crate) fn grid_2d(count: u64, max_per_dim: u32) -> Option<(u32, u32)> {
    let max = max_per_dim as u64;
    if count <= max {
        return Some((count.max(1) as u32, 1));
    }
    let y = count.div_ceil(max);
    (y <= max).then(|| (count.div_ceil(y) as u32, y as u32))
}

/// [`grid_2d`] on `ctx`'s limit, or [`Error::OverLimit`] naming `what` and the limit.
///
/// [`Error::OverLimit`]: crate::Error::OverLimit
pub(crate) fn grid_for(ctx: &Context, what: &str, count: u64) -> crate::Result<(u32, u32)> {
    let max_dim = ctx.limits().max_compute_workgroups_per_dimension;
    grid_2d(count, max_dim).ok_or_else(|| crate::Error::OverLimit {
        what: what.to_string(),
        need: count,
        limit: "max_compute_workgroups_per_dimension (squared)",
        max: max_dim as u64 * max_dim as u64,
    })
}

/// A host slice's length against what the descriptor needs: [`Error::Length`] naming the operand.
///
/// [`Error::Length`]: crate::Error::Length
pub(crate) fn check_len(name: &'static str, have: usize, need: u64) -> crate::Result<()> {
    if have as u64 != need {
        return Err(crate::Error::Length {
            name,
            have,
            need: need as usize,
        });
    }
    Ok(())
}

/// Host data of type `T` against a plan's storage type: a typed error when they differ.
pub(crate) fn check_host_dtype<T: crate::dtype::Element>(plan: crate::DType) -> crate::Result<()> {
    if T::DTYPE != plan {
        return Err(Error::Shape(format!(
            "host data is {} but the plan is {plan}",
            T::DTYPE
        )));
    }
    Ok(())
}

/// One dispatch ready to record: a pipeline, its bind group (group 0) and a 2-D workgroup grid.
/// What composite plans (the N-D FFT, the real-to-real transforms) keep per step.
#[derive(Debug)]
pub(crate) struct Dispatch {
    pipeline: Arc<wgpu::ComputePipeline>,
    bind_group: wgpu::BindGroup,
    grid: (u32, u32),
}

impl Dispatch {
    /// Binds `entries` (binding number, buffer) to group 0 of `pipeline`.
    pub(crate) fn new(
        ctx: &Context,
        pipeline: Arc<wgpu::ComputePipeline>,
        label: &str,
        entries: &[(u32, &wgpu::Buffer)],
        grid: (u32, u32),
    ) -> Result<Self> {
        let entries: Vec<wgpu::BindGroupEntry> = entries
            .iter()
            .map(|&(binding, buffer)| wgpu::BindGroupEntry {
                binding,
                resource: buffer.as_entire_binding(),
            })
            .collect();
        let layout = pipeline.get_bind_group_layout(0);
        let bind_group = ctx.scoped(|| {
            ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(label),
                layout: &layout,
                entries: &entries,
            })
        })?;
        Ok(Self {
            pipeline,
            bind_group,
            grid,
        })
    }

    /// Records the dispatch.
    pub(crate) fn record(&self, pass: &mut wgpu::ComputePass<'_>) {
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &self.bind_group, &[]);
        pass.dispatch_workgroups(self.grid.0, self.grid.1, 1);
    }
}
