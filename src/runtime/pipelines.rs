//! The shader registry: every WGSL file under `shaders/` embedded at build time, the one
//! specialisation step, and the pipeline cache.
//!
//! Tile sizes and flags are WGSL `override` constants set through
//! `PipelineCompilationOptions::constants`. Two choices cannot be overrides in WGSL — the storage
//! element type of a binding and the cooperative-matrix tile type — so [`source`] prepends a
//! small generated prelude (`alias Elem = f16;`, `alias CoopA = coop_mat8x8<f16, A>;`, ...)
//! to the shared helpers and the kernel body. That prelude is the only place WGSL text is
//! generated; kernels never edit each other's text.

use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::runtime::Context;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A piece of WGSL pasted before a kernel body: a helper of `shaders/common/` (below) or one
/// of an op's own (declared in its folder).
#[derive(Clone, Copy, Debug)]
pub struct Helper {
    /// File name without `.wgsl`, for the `// ---- name` marker in the generated source.
    pub name: &'static str,
    /// The WGSL text.
    pub text: &'static str,
}

/// Helpers shared by several ops (`shaders/common/`).
pub mod common {
    use super::Helper;
    /// Linear workgroup index over a 2-D grid.
    pub const GRID: Helper = Helper {
        name: "grid",
        text: include_str!("../../shaders/common/grid.wgsl"),
    };
    /// Cooperative-matrix tile loads and stores.
    pub const COOP_TILE: Helper = Helper {
        name: "coop_tile",
        text: include_str!("../../shaders/common/coop_tile.wgsl"),
    };
    /// vec4 register micro-tile of a workgroup-tiled GEMM (dense GEMM and Monarch FFT).
    pub const GEMM_TILE_VEC4: Helper = Helper {
        name: "gemm_tile_vec4",
        text: include_str!("../../shaders/common/gemm_tile_vec4.wgsl"),
    };
    /// FFT pass parameters, complex arithmetic, register DFTs (FFT and FFT convolution).
    pub const FFT_BASE: Helper = Helper {
        name: "fft_base",
        text: include_str!("../../shaders/common/fft_base.wgsl"),
    };
    /// Twiddle tables and the in-workgroup Stockham sub-FFT (FFT and FFT convolution).
    pub const FFT_CORE: Helper = Helper {
        name: "fft_core",
        text: include_str!("../../shaders/common/fft_core.wgsl"),
    };
    /// Data bindings of the Stockham FFT kernels (plain and subgroup), accessed in the storage
    /// type's own vectors.
    pub const FFT_IO_VEC: Helper = Helper {
        name: "fft_io_vec",
        text: include_str!("../../shaders/common/fft_io_vec.wgsl"),
    };
    /// Workgroup memory of the Stockham FFT kernels and the FFT convolution as vec4 pairs.
    pub const FFT_SM_VEC: Helper = Helper {
        name: "fft_sm_vec",
        text: include_str!("../../shaders/common/fft_sm_vec.wgsl"),
    };
    /// Values packed into 64-bit words and back (the word kernels of CPU adapters with 64-bit
    /// integers: half the per-component access loops of Mesa's gallivm, or fewer).
    pub const WORDS: Helper = Helper {
        name: "words",
        text: include_str!("../../shaders/common/words.wgsl"),
    };
    /// [`FFT_SM_VEC`] as 64-bit words (with [`WORDS`]).
    pub const FFT_SM_WIDE: Helper = Helper {
        name: "fft_sm_wide",
        text: include_str!("../../shaders/common/fft_sm_wide.wgsl"),
    };
    /// [`FFT_IO_VEC`]'s storage functions over 64-bit words, for f32 storage (with [`WORDS`]).
    pub const FFT_IO_WIDE: Helper = Helper {
        name: "fft_io_wide",
        text: include_str!("../../shaders/common/fft_io_wide.wgsl"),
    };
    /// [`FFT_IO_VEC`]'s storage functions over 64- and 32-bit words, for f16 storage (with
    /// [`WORDS`]).
    pub const FFT_IO_WIDE_F16: Helper = Helper {
        name: "fft_io_wide_f16",
        text: include_str!("../../shaders/common/fft_io_wide_f16.wgsl"),
    };
    /// Workgroup memory of single complex values and the table of roots (the mixed-radix FFT
    /// kernel).
    pub const FFT_MIXED_VEC: Helper = Helper {
        name: "fft_mixed_vec",
        text: include_str!("../../shaders/common/fft_mixed_vec.wgsl"),
    };
    /// [`FFT_MIXED_VEC`] as 64-bit words (with [`WORDS`]).
    pub const FFT_MIXED_WIDE: Helper = Helper {
        name: "fft_mixed_wide",
        text: include_str!("../../shaders/common/fft_mixed_wide.wgsl"),
    };
    /// Mixed-radix DFT stages of short transforms held in workgroup memory (direct sums per
    /// radix against a twiddle table; the fused global filter).
    pub const WG_DFT: Helper = Helper {
        name: "wg_dft",
        text: include_str!("../../shaders/common/wg_dft.wgsl"),
    };
}

/// The form of a kernel for `dtype` storage on a device with `caps`: `wide` (f32) or `wide_f16`
/// where [`super::Capabilities::word_access`] says so, else `vec`.
pub fn by_access(
    caps: &super::Capabilities,
    dtype: crate::DType,
    vec: Shader,
    wide: Shader,
    wide_f16: Shader,
) -> Shader {
    match (caps.word_access(), dtype) {
        (false, _) => vec,
        (true, crate::DType::F32) => wide,
        (true, crate::DType::F16) => wide_f16,
    }
}

/// A WGSL program of the suite, declared in its op's folder: its body, the helpers pasted
/// before it, its parameter block and what it needs from the adapter.
///
/// Identified by [`Shader::name`] alone (pipeline keys, labels, logs).
#[derive(Clone, Copy)]
pub struct Shader {
    /// Unique name, `GemmTiled`, `FftConv`, ...
    pub name: &'static str,
    /// The kernel body.
    pub body: &'static str,
    /// Helpers pasted before the body, in order.
    pub includes: &'static [Helper],
    /// The parameter block at binding 0: (struct, variable, a `u32` field of it), or `None`
    /// (the peak probes have none). See `params_block`.
    pub params: Option<(&'static str, &'static str, &'static str)>,
    /// Uses cooperative matrices (needs [`Spec::coop`]).
    pub coop: bool,
    /// Uses subgroup operations.
    pub subgroups: bool,
    /// Uses 64-bit integers (needs `SHADER_INT64`; no GLSL or browser backend has them).
    pub int64: bool,
}

impl Shader {
    /// Whether the shader uses cooperative matrices (needs [`Spec::coop`]).
    pub fn uses_coop(self) -> bool {
        self.coop
    }

    /// Whether the shader uses subgroup operations.
    pub fn uses_subgroups(self) -> bool {
        self.subgroups
    }

    /// Whether the shader uses 64-bit integers.
    pub fn uses_int64(self) -> bool {
        self.int64
    }
}

impl PartialEq for Shader {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Shader {}

impl std::hash::Hash for Shader {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.name.hash(h)
    }
}

impl std::fmt::Debug for Shader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl serde::Serialize for Shader {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.name)
    }
}

/// The part of a variant that overrides cannot express.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Spec {
    /// Storage type of the operands (`Elem` in WGSL).
    pub dtype: DType,
    /// Cooperative-matrix tile size (8 or 16), for coop shaders.
    pub coop: Option<u32>,
}

impl Spec {
    /// A spec for plain storage of `dtype`.
    pub fn new(dtype: DType) -> Self {
        Self { dtype, coop: None }
    }
}

/// The full WGSL text of `shader` under `spec`: prelude, shared helpers, body.
pub fn source(shader: Shader, spec: Spec) -> String {
    let mut s = String::new();
    if spec.dtype == DType::F16 || spec.coop.is_some() {
        s.push_str("enable f16;\n");
    }
    if let Some(t) = spec.coop {
        s.push_str("enable wgpu_cooperative_matrix;\n");
        s.push_str(&format!(
            "const COOP: u32 = {t}u;\nalias CoopA = coop_mat{t}x{t}<f16, A>;\n\
             alias CoopB = coop_mat{t}x{t}<f16, B>;\nalias CoopC = coop_mat{t}x{t}<f32, C>;\n"
        ));
    }
    s.push_str(&format!("alias Elem = {};\n", spec.dtype.name()));
    if let Some((ty, var, field)) = shader.params {
        s.push_str(&params_block(ty, var, field));
    }
    for h in shader.includes {
        s.push_str(&format!("// ---- {}.wgsl\n{}\n", h.name, h.text));
    }
    s.push_str(shader.body);
    s
}

/// Binding 0 of a kernel: its parameters `var: ty`, and `load_params()`, which every entry point
/// calls first.
///
/// Natively the buffer holds two identical copies (see [`Context::uniform`]) and `var` is a
/// private copy of the one at an index computed from the buffer itself (always 0 or 1). Why:
/// lavapipe (Mesa's Vulkan on the CPU) "inlines" uniform values that steer loops and branches,
/// recompiling the whole pipeline for every distinct set of values (Mesa 22.3 also re-optimises
/// it at every dispatch): one compile per problem shape, up to minutes for a large kernel. A
/// load at an index the driver cannot prove constant is not inlined, so a pipeline compiles
/// once. In the browser the parameters stay a plain uniform (WGSL's uniformity analysis, which
/// browsers enforce and naga does not, treats a private variable as non-uniform, and barriers
/// under branches on the parameters would be rejected); browsers do not inline uniforms.
fn params_block(ty: &str, var: &str, field: &str) -> String {
    if cfg!(target_arch = "wasm32") {
        format!(
            "@group(0) @binding(0) var<uniform> {var}: {ty};\n\
             fn load_params() {{}}\n"
        )
    } else {
        format!(
            "@group(0) @binding(0) var<uniform> {var}_copies: array<{ty}, 2>;\n\
             var<private> {var}: {ty};\n\
             fn load_params() {{ {var} = {var}_copies[min({var}_copies[0].{field}, 1u)]; }}\n"
        )
    }
}

/// The naga module a native pipeline of (`shader`, `spec`, `entry`, `constants`) is built from:
/// the source with the constants substituted and the branches they rule out dropped (see
/// `src/runtime/specialize.rs`), or why that pipeline is built from the WGSL text instead. For tests and
/// tools that check what drivers receive; pipelines themselves go through [`Context::pipeline`].
#[cfg(not(target_arch = "wasm32"))]
pub fn specialized_module(
    shader: Shader,
    spec: Spec,
    entry: &str,
    constants: &[(&'static str, f64)],
) -> std::result::Result<naga::Module, String> {
    // Parsed once per source for the process, as a context does: the tests call this for
    // every variant, and the largest source takes seconds to parse in a test build.
    static PARSED: std::sync::LazyLock<Mutex<HashMap<(Shader, Spec), ParsedSource>>> =
        std::sync::LazyLock::new(Default::default);
    let parsed = parsed_once(&PARSED, shader, spec);
    let parsed = parsed.ok_or("naga rejects the WGSL")?;
    crate::runtime::specialize::specialize(&parsed, entry, constants)
}

/// `Shader/entry dtype[ coopN] {name=value, ...}`: how a pipeline is named in logs and reports.
fn pipeline_label(
    shader: Shader,
    spec: Spec,
    entry: &str,
    constants: &[(&'static str, f64)],
) -> String {
    let coop = spec.coop.map(|t| format!(" coop{t}")).unwrap_or_default();
    let consts: Vec<String> = constants.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!(
        "{shader:?}/{entry} {}{coop} {{{}}}",
        spec.dtype.name(),
        consts.join(", ")
    )
}

/// Override constants of one pipeline, by name.
pub type Constants = Vec<(&'static str, f64)>;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct PipelineKey {
    shader: Shader,
    spec: Spec,
    entry: &'static str,
    constants: Vec<(&'static str, u64)>,
}

/// The driver's pipeline cache of a context, and its file.
#[cfg(not(target_arch = "wasm32"))]
struct DriverCache {
    cache: wgpu::PipelineCache,
    path: std::path::PathBuf,
    key: crate::runtime::tune_cache::CacheKey,
}

/// One pipeline's slot: filled once built. Its own lock is held while building, so threads that
/// ask for the same pipeline at once wait for one compilation instead of running several.
type PipelineSlot = Arc<Mutex<Option<Arc<wgpu::ComputePipeline>>>>;

/// A parsed source for host-side specialisation (`None`: naga rejected the text).
type ParsedSource = Option<Arc<crate::runtime::specialize::Parsed>>;

/// `shader`'s source parsed for `spec`, from `cache` or parsed now and kept there.
fn parsed_once(
    cache: &Mutex<HashMap<(Shader, Spec), ParsedSource>>,
    shader: Shader,
    spec: Spec,
) -> ParsedSource {
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry((shader, spec))
        .or_insert_with(|| crate::runtime::specialize::parse(&source(shader, spec)).map(Arc::new))
        .clone()
}

/// One pipeline build: which pipeline, and where its time went.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PipelineBuild {
    /// `Shader/entry [dtype] {constants}`.
    pub label: String,
    /// Host-side specialisation (naga: overrides substituted, dead branches dropped), seconds.
    pub specialize_s: f64,
    /// Shader module + compute pipeline creation in wgpu and the driver, seconds.
    pub driver_s: f64,
}

impl PipelineBuild {
    /// Total seconds.
    pub fn total_s(&self) -> f64 {
        self.specialize_s + self.driver_s
    }
}

/// What building a run of pipelines cost: the figures `info`, `verify`, `bench` and the report
/// print (see [`Context::compile_summary_since`]).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CompileSummary {
    /// Pipelines built (a pipeline the context already held is not counted).
    pub pipelines: usize,
    /// Seconds of host-side specialisation.
    pub specialize_s: f64,
    /// Seconds in wgpu and the driver.
    pub driver_s: f64,
    /// The slowest build.
    pub slowest: Option<PipelineBuild>,
}

impl CompileSummary {
    /// Sums `builds`.
    pub fn of(builds: &[PipelineBuild]) -> Self {
        let slowest = builds
            .iter()
            .max_by(|a, b| a.total_s().total_cmp(&b.total_s()))
            .cloned();
        Self {
            pipelines: builds.len(),
            specialize_s: builds.iter().map(|b| b.specialize_s).sum(),
            driver_s: builds.iter().map(|b| b.driver_s).sum(),
            slowest,
        }
    }

    /// The sum of several summaries (the slowest build of them all).
    pub fn sum(parts: &[CompileSummary]) -> Self {
        let slowest = parts
            .iter()
            .filter_map(|p| p.slowest.clone())
            .max_by(|a, b| a.total_s().total_cmp(&b.total_s()));
        Self {
            pipelines: parts.iter().map(|p| p.pipelines).sum(),
            specialize_s: parts.iter().map(|p| p.specialize_s).sum(),
            driver_s: parts.iter().map(|p| p.driver_s).sum(),
            slowest,
        }
    }

    /// Total seconds.
    pub fn total_s(&self) -> f64 {
        self.specialize_s + self.driver_s
    }

    /// One line for a terminal: `12 pipelines built in 3.4 s (slowest 1.2 s: FftConv/fused ...)`.
    pub fn line(&self) -> String {
        let slowest = self
            .slowest
            .as_ref()
            .map(|s| format!("; slowest {:.1} s: {}", s.total_s(), s.label))
            .unwrap_or_default();
        format!(
            "{} pipelines built in {:.1} s{slowest}",
            self.pipelines,
            self.total_s().max(0.0)
        )
    }
}

/// True when `WGKERNELS_LOG_PIPELINES` is set (not `0`): every pipeline build is printed to
/// stderr with its times.
fn log_pipelines() -> bool {
    std::env::var("WGKERNELS_LOG_PIPELINES").is_ok_and(|v| v != "0")
}

/// Built pipelines keyed by (shader, spec, entry point, override constants), and their modules.
/// Different pipelines build concurrently (compilation is single-threaded per pipeline on CPU
/// adapters, seconds for the large FFT kernels on lavapipe).
#[derive(Default)]
pub struct PipelineCache {
    builds: Mutex<Vec<PipelineBuild>>,
    /// The driver's pipeline cache and where it is stored, set up at the first build.
    #[cfg(not(target_arch = "wasm32"))]
    driver: std::sync::OnceLock<Option<DriverCache>>,
    pipelines: Mutex<HashMap<PipelineKey, PipelineSlot>>,
    modules: Mutex<HashMap<(Shader, Spec), wgpu::ShaderModule>>,
    parsed: Mutex<HashMap<(Shader, Spec), ParsedSource>>,
}

impl Context {
    /// Returns the cached pipeline for this key, building it on first use. Build errors
    /// (validation, a feature the device lacks) come back as [`Error::Gpu`].
    pub fn pipeline(
        &self,
        shader: Shader,
        spec: Spec,
        entry: &'static str,
        constants: &[(&'static str, f64)],
    ) -> Result<Arc<wgpu::ComputePipeline>> {
        if spec.dtype == DType::F16 || spec.coop.is_some() {
            self.require_f16()?;
        }
        if shader.uses_coop() && spec.coop.is_none() {
            return Err(Error::Unsupported(format!(
                "{shader:?} needs a cooperative-matrix spec"
            )));
        }
        if let Some(t) = spec.coop {
            if !self.caps().has_coop_f16_f32(t) {
                return Err(Error::Unsupported(format!(
                    "the adapter lists no {t}x{t}x{t} f16->f32 cooperative-matrix configuration \
                     (or has no f16)"
                )));
            }
        }
        if shader.uses_subgroups() && !self.caps().subgroups {
            return Err(Error::MissingFeature("SUBGROUP"));
        }
        if shader.uses_int64() && !self.caps().int64 {
            return Err(Error::MissingFeature("SHADER_INT64"));
        }
        let mut sorted: Vec<(&'static str, u64)> =
            constants.iter().map(|&(k, v)| (k, v.to_bits())).collect();
        sorted.sort();
        let key = PipelineKey {
            shader,
            spec,
            entry,
            constants: sorted,
        };
        let slot = self
            .pipelines
            .pipelines
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_default()
            .clone();
        let mut slot = slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = slot.as_ref() {
            return Ok(p.clone());
        }
        let mut build = PipelineBuild {
            label: pipeline_label(shader, spec, entry, constants),
            ..Default::default()
        };
        let pipeline = Arc::new(self.build_uncached(shader, spec, entry, constants, &mut build)?);
        if log_pipelines() {
            eprintln!(
                "pipeline {:>7.2} s (specialise {:.2} s, driver {:.2} s)  {}",
                build.total_s(),
                build.specialize_s,
                build.driver_s,
                build.label
            );
        }
        self.pipelines
            .builds
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(build);
        *slot = Some(pipeline.clone());
        Ok(pipeline)
    }

    /// How many pipelines this context has built so far: a mark for
    /// [`Context::compile_summary_since`].
    pub fn compile_mark(&self) -> usize {
        self.pipelines
            .builds
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    /// What the pipelines built since `mark` (from [`Context::compile_mark`]) cost.
    pub fn compile_summary_since(&self, mark: usize) -> CompileSummary {
        let builds = self
            .pipelines
            .builds
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        CompileSummary::of(builds.get(mark..).unwrap_or_default())
    }

    /// Every pipeline build of this context so far, in order.
    pub fn pipeline_builds(&self) -> Vec<PipelineBuild> {
        self.pipelines
            .builds
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Builds one pipeline, recording where the time went in `build`.
    fn build_uncached(
        &self,
        shader: Shader,
        spec: Spec,
        entry: &'static str,
        constants: &[(&'static str, f64)],
        build: &mut PipelineBuild,
    ) -> Result<wgpu::ComputePipeline> {
        // Native: the pipeline's own specialised module (see `specialize`), when it applies.
        #[cfg(not(target_arch = "wasm32"))]
        if crate::runtime::specialize::enabled() {
            let t = crate::runtime::Instant::now();
            let specialized = self.specialized(shader, spec, entry, constants);
            build.specialize_s = t.elapsed().as_secs_f64();
            if let Some(m) = specialized {
                let slots = crate::runtime::specialize::buffer_slots(&m);
                let t = crate::runtime::Instant::now();
                let module = self.scoped(|| {
                    self.device
                        .create_shader_module(wgpu::ShaderModuleDescriptor {
                            label: Some(&format!("{shader:?}/{entry}")),
                            source: wgpu::ShaderSource::Naga(std::borrow::Cow::Owned(m)),
                        })
                })?;
                let pipeline = self.build_pipeline(shader, &module, entry, Some(entry), &[])?;
                if let Some(slots) = slots.filter(|_| self.compiles_lazily()) {
                    self.finish_compile(&pipeline, &slots)?;
                }
                build.driver_s = t.elapsed().as_secs_f64();
                return Ok(pipeline);
            }
        }
        // Browser: the same specialised module, handed back as WGSL text. Why: the browser's
        // compiler (Tint, then the driver; SwiftShader without a GPU) otherwise gets every
        // variant's code too: ~12 s per FFT pipeline on SwiftShader before, see the README.
        #[cfg(target_arch = "wasm32")]
        if crate::runtime::specialize::enabled() {
            let t = crate::runtime::Instant::now();
            let text = self
                .specialized(shader, spec, entry, constants)
                .and_then(|m| crate::runtime::specialize::to_wgsl(&m));
            build.specialize_s = t.elapsed().as_secs_f64();
            if let Some(text) = text {
                let t = crate::runtime::Instant::now();
                let module = self.wgsl_module(&format!("{shader:?}/{entry}"), text)?;
                // The module's only entry point, by default: naga's writer renames entry points
                // that clash with WGSL built-ins (`step`).
                let pipeline = self.build_pipeline(shader, &module, entry, None, &[]);
                build.driver_s = t.elapsed().as_secs_f64();
                return pipeline;
            }
        }
        let t = crate::runtime::Instant::now();
        let module = {
            let mut modules = self
                .pipelines
                .modules
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            match modules.get(&(shader, spec)) {
                Some(m) => m.clone(),
                None => {
                    let m = self.wgsl_module(&format!("{shader:?}"), source(shader, spec))?;
                    modules.insert((shader, spec), m.clone());
                    m
                }
            }
        };
        let pipeline = self.build_pipeline(shader, &module, entry, Some(entry), constants);
        build.driver_s = t.elapsed().as_secs_f64();
        pipeline
    }

    /// The driver's pipeline cache, loaded from disk at the first call where the device has
    /// `PIPELINE_CACHE` and the tuner has a cache directory (see `gpu::driver_cache`).
    #[cfg(not(target_arch = "wasm32"))]
    fn driver_cache(&self) -> Option<&DriverCache> {
        self.pipelines
            .driver
            .get_or_init(|| {
                if !self
                    .device
                    .features()
                    .contains(wgpu::Features::PIPELINE_CACHE)
                {
                    return None;
                }
                let path = crate::runtime::driver_cache::path_for(&self.tuner().cache_path(self)?);
                let key = crate::runtime::tune_cache::CacheKey::new(self.adapter_id());
                let data = match crate::runtime::driver_cache::load(&path, &key) {
                    Ok(d) => Some(d),
                    Err(why) => {
                        if path.exists() {
                            log::warn!("pipeline cache {}: {why}; starting empty", path.display());
                        }
                        None
                    }
                };
                // SAFETY: `load` returns only bytes stored by `save_pipeline_cache` under this
                // adapter's key (adapter, driver, crate version, shader hash) with a matching
                // hash, i.e. what `get_data` of this driver produced; and `fallback` makes the
                // driver start empty if it still rejects them.
                let cache = unsafe {
                    self.device
                        .create_pipeline_cache(&wgpu::PipelineCacheDescriptor {
                            label: Some("wgkernels"),
                            data: data.as_deref(),
                            fallback: true,
                        })
                };
                Some(DriverCache { cache, path, key })
            })
            .as_ref()
    }

    /// The cache new pipelines go through (browsers cache pipelines themselves).
    fn cache_handle(&self) -> Option<&wgpu::PipelineCache> {
        #[cfg(not(target_arch = "wasm32"))]
        return self.driver_cache().map(|d| &d.cache);
        #[cfg(target_arch = "wasm32")]
        None
    }

    /// Stores the driver's pipeline cache next to the tuning cache, so the next run on this
    /// adapter starts with it. Returns the file and its size, or `None` where there is nothing
    /// to store (no `PIPELINE_CACHE` on this device, no cache directory, no pipeline built yet).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn save_pipeline_cache(&self) -> Result<Option<(std::path::PathBuf, usize)>> {
        let Some(d) = self.pipelines.driver.get().and_then(|d| d.as_ref()) else {
            return Ok(None);
        };
        let Some(data) = d.cache.get_data() else {
            return Ok(None);
        };
        crate::runtime::driver_cache::save(&d.path, &d.key, &data).map_err(|source| Error::Io {
            path: d.path.display().to_string(),
            source,
        })?;
        Ok(Some((d.path.clone(), data.len())))
    }

    /// CPU rasterisers (lavapipe, llvmpipe) compile a pipeline's machine code at its first
    /// dispatch, not when it is created; GPU drivers and browsers compile at creation.
    #[cfg(not(target_arch = "wasm32"))]
    fn compiles_lazily(&self) -> bool {
        self.caps().device_type == wgpu::DeviceType::Cpu
    }

    /// Makes a lazily compiling driver compile `pipeline` now: a dispatch of zero workgroups on
    /// stand-in buffers (lavapipe builds the code before it looks at the grid size). Why: so that
    /// the compile time lands in the build it belongs to (counted, logged, reported) instead of
    /// inside whichever check or timing happens to run the pipeline first.
    #[cfg(not(target_arch = "wasm32"))]
    fn finish_compile(
        &self,
        pipeline: &wgpu::ComputePipeline,
        slots: &[crate::runtime::specialize::BufferSlot],
    ) -> Result<()> {
        let groups = slots.iter().map(|s| s.group + 1).max().unwrap_or(0);
        self.scoped(|| {
            let bind_groups: Vec<wgpu::BindGroup> = (0..groups)
                .map(|g| {
                    let buffers: Vec<(u32, wgpu::Buffer)> = slots
                        .iter()
                        .filter(|s| s.group == g)
                        .map(|s| {
                            let usage = if s.uniform {
                                wgpu::BufferUsages::UNIFORM
                            } else {
                                wgpu::BufferUsages::STORAGE
                            };
                            let buffer = self.device.create_buffer(&wgpu::BufferDescriptor {
                                label: Some("stand-in"),
                                size: s.min_bytes.max(16).next_multiple_of(16),
                                usage,
                                mapped_at_creation: false,
                            });
                            (s.binding, buffer)
                        })
                        .collect();
                    let entries: Vec<wgpu::BindGroupEntry> = buffers
                        .iter()
                        .map(|(binding, buffer)| wgpu::BindGroupEntry {
                            binding: *binding,
                            resource: buffer.as_entire_binding(),
                        })
                        .collect();
                    self.device.create_bind_group(&wgpu::BindGroupDescriptor {
                        label: Some("stand-in"),
                        layout: &pipeline.get_bind_group_layout(g),
                        entries: &entries,
                    })
                })
                .collect();
            let mut enc = self.device.create_command_encoder(&Default::default());
            {
                let mut pass = enc.begin_compute_pass(&Default::default());
                pass.set_pipeline(pipeline);
                for (g, bg) in bind_groups.iter().enumerate() {
                    pass.set_bind_group(g as u32, bg, &[]);
                }
                pass.dispatch_workgroups(0, 0, 0);
            }
            self.queue.submit([enc.finish()]);
        })?;
        self.wait()
    }

    fn wgsl_module(&self, label: &str, text: String) -> Result<wgpu::ShaderModule> {
        self.scoped(|| {
            self.device
                .create_shader_module(wgpu::ShaderModuleDescriptor {
                    label: Some(label),
                    source: wgpu::ShaderSource::Wgsl(text.into()),
                })
        })
    }

    /// `entry_point` `None`: the module's only entry point (`entry` still names the pipeline).
    fn build_pipeline(
        &self,
        shader: Shader,
        module: &wgpu::ShaderModule,
        entry: &'static str,
        entry_point: Option<&str>,
        constants: &[(&'static str, f64)],
    ) -> Result<wgpu::ComputePipeline> {
        self.scoped(|| {
            self.device
                .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                    label: Some(&format!("{shader:?}/{entry}")),
                    layout: None,
                    module,
                    entry_point,
                    compilation_options: wgpu::PipelineCompilationOptions {
                        constants,
                        zero_initialize_workgroup_memory: false,
                    },
                    cache: self.cache_handle(),
                })
        })
    }

    /// The specialised naga module of one pipeline (parsed once per source), or `None` to build
    /// it from WGSL.
    fn specialized(
        &self,
        shader: Shader,
        spec: Spec,
        entry: &'static str,
        constants: &[(&'static str, f64)],
    ) -> Option<naga::Module> {
        let parsed = parsed_once(&self.pipelines.parsed, shader, spec)?;
        crate::runtime::specialize::specialize(&parsed, entry, constants)
            .map_err(|e| log::debug!("{shader:?}/{entry} built from WGSL, not specialised: {e}"))
            .ok()
    }
}

/// The layout naga gives the WGSL struct `name` in `shader`: its size, and each member's name
/// and byte offset. For the tests that check each op's Rust parameter struct against its WGSL
/// twin ([`assert_uniform_layout`]).
#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) fn wgsl_struct_layout(shader: Shader, name: &str) -> (u32, Vec<(String, u32)>) {
    let module = naga::front::wgsl::parse_str(&source(shader, Spec::new(DType::F32)))
        .unwrap_or_else(|e| panic!("{shader:?}: {e}"));
    let ty = module
        .types
        .iter()
        .find(|(_, t)| t.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("{shader:?} has no struct {name}"))
        .1;
    match &ty.inner {
        naga::TypeInner::Struct { members, span } => (
            *span,
            members
                .iter()
                .map(|m| (m.name.clone().unwrap_or_default(), m.offset))
                .collect(),
        ),
        other => panic!("{name} is not a struct: {other:?}"),
    }
}

/// Asserts that the Rust uniform struct `$ty` (fields `$field`…, padding left out; a `u32`
/// array `$arr` stands for the WGSL members `arr0`, `arr1`, …) has the layout of the WGSL struct
/// `$wgsl` in `$shader`: the same size, and every WGSL member not named `_…` or `pad…` at the
/// offset of the Rust field of that name. Why: the two are written by hand on either side of a
/// byte buffer, and a field added on one side only would shift every later one.
#[cfg(all(test, not(target_arch = "wasm32")))]
macro_rules! assert_uniform_layout {
    ($ty:ty, $shader:expr, $wgsl:literal, [$($field:ident),* $(,)?] $(, $arr:ident[$len:literal])?) => {{
        let (span, members) = $crate::runtime::pipelines::wgsl_struct_layout($shader, $wgsl);
        assert_eq!(std::mem::size_of::<$ty>() as u32, span, "size of {}", $wgsl);
        #[allow(unused_mut)]
        let mut rust: Vec<(String, u32)> =
            vec![$((stringify!($field).to_string(), std::mem::offset_of!($ty, $field) as u32)),*];
        $(for i in 0..$len {
            let at = std::mem::offset_of!($ty, $arr) as u32 + 4 * i;
            rust.push((format!("{}{i}", stringify!($arr)), at));
        })?
        let skip = |n: &str| n.starts_with('_') || n.starts_with("pad");
        for (name, offset) in members.iter().filter(|(n, _)| !skip(n)) {
            let r = rust.iter().find(|(n, _)| n == name);
            assert_eq!(
                r.map(|r| r.1),
                Some(*offset),
                "{}.{name}: WGSL offset {offset}, Rust {r:?}",
                $wgsl
            );
        }
        for (name, _) in &rust {
            assert!(
                members.iter().any(|(n, _)| n == name),
                "{}.{name} is not in the WGSL struct",
                $wgsl
            );
        }
    }};
}
#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) use assert_uniform_layout;
