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
use crate::gpu::Context;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Shared helpers under `shaders/common/`, by name.
const COMMON: &[(&str, &str)] = &[
    ("grid", include_str!("../shaders/common/grid.wgsl")),
    (
        "gemm_params",
        include_str!("../shaders/common/gemm_params.wgsl"),
    ),
    (
        "gemm_tile",
        include_str!("../shaders/common/gemm_tile.wgsl"),
    ),
    (
        "gemm_tile_vec4",
        include_str!("../shaders/common/gemm_tile_vec4.wgsl"),
    ),
    (
        "coop_tile",
        include_str!("../shaders/common/coop_tile.wgsl"),
    ),
    (
        "attn_params",
        include_str!("../shaders/common/attn_params.wgsl"),
    ),
    ("fft_base", include_str!("../shaders/common/fft_base.wgsl")),
    ("fft_core", include_str!("../shaders/common/fft_core.wgsl")),
    (
        "nm_sparse",
        include_str!("../shaders/common/nm_sparse.wgsl"),
    ),
    ("nm_rows", include_str!("../shaders/common/nm_rows.wgsl")),
    (
        "monarch_core",
        include_str!("../shaders/common/monarch_core.wgsl"),
    ),
];

/// A WGSL program of the suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Shader {
    /// Workgroup-tiled, register-blocked GEMM.
    GemmTiled,
    /// GEMM sharing A through subgroup shuffles instead of workgroup memory.
    GemmSubgroup,
    /// GEMM on cooperative matrices (f16 inputs, f32 accumulation).
    GemmCoop,
    /// Matrix × vector (GEMM with one output column).
    Gemv,
    /// FMA-throughput probe.
    PeakFma,
    /// Copy-bandwidth probe.
    PeakCopy,
    /// Block-sparse flash attention sharing K/V through subgroup broadcasts.
    AttnSubgroup,
    /// Block-sparse flash attention with K/V tiles in workgroup memory (runs everywhere).
    AttnTiled,
    /// Block-sparse flash attention with QKᵀ and PV on cooperative matrices.
    AttnCoop,
    /// Merge pass of split-KV attention.
    AttnMerge,
    /// One Stockham pass of a batched complex FFT (fused when it is the only pass).
    FftStockham,
    /// Real-FFT pre/post-processing around a complex FFT.
    Rfft,
    /// FFT convolution: fused kernel, multi-pass passes, unfused pipeline steps.
    FftConv,
    /// N:M sparse GEMM, plain variant (operand gathered from workgroup memory; any N:M).
    SparseRows,
    /// N:M sparse GEMM, subgroup variant (operand broadcast lane by lane; M divides 32).
    SparseRowsSg,
    /// N:M sparse GEMM on cooperative matrices (compressed tiles expanded in workgroup memory).
    SparseCoop,
    /// N:M sparse GEMM, plain block variant (operand blocks read from workgroup memory once per
    /// invocation, selected in registers; M divides 32, N divides 4).
    SparseRowsBlock,
    /// Monarch / matrix FFT pass, tiled f32 GEMM stages (runs everywhere).
    FftMonarchTiled,
    /// Monarch / matrix FFT pass on cooperative matrices (f16 operands, f32 accumulation).
    FftMonarchCoop,
    /// N:M sparse GEMM, column-lanes variant: lanes own output columns (vec4 of op(B)), the
    /// block's sparse rows are shared through subgroup broadcasts (subgroups of 8).
    SparseCols,
    /// Fused 4096-point Stockham FFT for subgroups of exactly 8 lanes: the first exchange
    /// through subgroup broadcasts instead of workgroup memory (one barrier instead of three).
    FftStockhamSg,
}

impl Shader {
    /// Every shader, for validation tests.
    pub const ALL: &'static [Shader] = &[
        Shader::GemmTiled,
        Shader::GemmSubgroup,
        Shader::GemmCoop,
        Shader::Gemv,
        Shader::PeakFma,
        Shader::PeakCopy,
        Shader::AttnSubgroup,
        Shader::AttnTiled,
        Shader::AttnCoop,
        Shader::AttnMerge,
        Shader::FftStockham,
        Shader::Rfft,
        Shader::FftConv,
        Shader::SparseRows,
        Shader::SparseRowsSg,
        Shader::SparseCoop,
        Shader::SparseRowsBlock,
        Shader::FftMonarchTiled,
        Shader::FftMonarchCoop,
        Shader::SparseCols,
        Shader::FftStockhamSg,
    ];

    /// The kernel body.
    pub fn body(self) -> &'static str {
        match self {
            Shader::GemmTiled => include_str!("../shaders/gemm/tiled.wgsl"),
            Shader::GemmSubgroup => include_str!("../shaders/gemm/subgroup.wgsl"),
            Shader::GemmCoop => include_str!("../shaders/gemm/coop.wgsl"),
            Shader::Gemv => include_str!("../shaders/gemm/gemv.wgsl"),
            Shader::PeakFma => include_str!("../shaders/peak/fma.wgsl"),
            Shader::PeakCopy => include_str!("../shaders/peak/copy.wgsl"),
            Shader::AttnSubgroup => include_str!("../shaders/attention/subgroup.wgsl"),
            Shader::AttnTiled => include_str!("../shaders/attention/tiled.wgsl"),
            Shader::AttnCoop => include_str!("../shaders/attention/coop.wgsl"),
            Shader::AttnMerge => include_str!("../shaders/attention/merge.wgsl"),
            Shader::FftStockham => include_str!("../shaders/fft/stockham.wgsl"),
            Shader::Rfft => include_str!("../shaders/fft/rfft.wgsl"),
            Shader::FftConv => include_str!("../shaders/fft/conv.wgsl"),
            Shader::SparseRows => include_str!("../shaders/sparse/rows.wgsl"),
            Shader::SparseRowsSg => include_str!("../shaders/sparse/rows_sg.wgsl"),
            Shader::SparseCoop => include_str!("../shaders/sparse/coop.wgsl"),
            Shader::SparseRowsBlock => include_str!("../shaders/sparse/rows_blk.wgsl"),
            Shader::FftMonarchTiled => include_str!("../shaders/fft/monarch_tiled.wgsl"),
            Shader::FftMonarchCoop => include_str!("../shaders/fft/monarch_coop.wgsl"),
            Shader::SparseCols => include_str!("../shaders/sparse/cols.wgsl"),
            Shader::FftStockhamSg => include_str!("../shaders/fft/stockham_sg.wgsl"),
        }
    }

    /// The shared helpers the body needs, in order.
    pub fn includes(self) -> &'static [&'static str] {
        match self {
            Shader::GemmTiled => &["grid", "gemm_params", "gemm_tile_vec4"],
            Shader::GemmSubgroup => &["grid", "gemm_params"],
            Shader::GemmCoop => &["grid", "gemm_params", "coop_tile"],
            Shader::Gemv => &["grid", "gemm_params"],
            Shader::PeakFma | Shader::PeakCopy => &[],
            Shader::AttnSubgroup | Shader::AttnTiled | Shader::AttnCoop | Shader::AttnMerge => {
                &["grid", "attn_params"]
            }
            Shader::FftStockham => &["grid", "fft_base", "fft_core"],
            Shader::Rfft => &["grid"],
            Shader::FftStockhamSg => &["grid", "fft_base"],
            Shader::FftConv => &["grid", "fft_base", "fft_core"],
            Shader::SparseRows | Shader::SparseCols => &["grid", "nm_sparse"],
            Shader::SparseRowsSg | Shader::SparseRowsBlock => &["grid", "nm_sparse", "nm_rows"],
            Shader::SparseCoop => &["grid", "nm_sparse", "coop_tile"],
            // monarch_core first: its overrides must precede the helpers' array-size
            // expressions (naga 30's process_overrides panics otherwise).
            Shader::FftMonarchTiled => &["grid", "monarch_core", "gemm_tile_vec4"],
            Shader::FftMonarchCoop => &["grid", "monarch_core", "coop_tile"],
        }
    }

    /// Whether the shader uses cooperative matrices (needs [`Spec::coop`]).
    pub fn uses_coop(self) -> bool {
        matches!(
            self,
            Shader::GemmCoop | Shader::AttnCoop | Shader::SparseCoop | Shader::FftMonarchCoop
        )
    }

    /// Whether the shader uses subgroup operations.
    pub fn uses_subgroups(self) -> bool {
        matches!(
            self,
            Shader::GemmSubgroup
                | Shader::AttnSubgroup
                | Shader::SparseRowsSg
                | Shader::SparseCols
                | Shader::FftStockhamSg
        )
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
    for name in shader.includes() {
        let text = COMMON
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| *t)
            .unwrap_or_default();
        s.push_str(&format!("// ---- common/{name}.wgsl\n{text}\n"));
    }
    s.push_str(shader.body());
    s
}

/// The naga module a native pipeline of (`shader`, `spec`, `entry`, `constants`) is built from:
/// the source with the constants substituted and the branches they rule out dropped (see
/// `src/specialize.rs`), or why that pipeline is built from the WGSL text instead. For tests and
/// tools that check what drivers receive; pipelines themselves go through [`Context::pipeline`].
#[cfg(not(target_arch = "wasm32"))]
pub fn specialized_module(
    shader: Shader,
    spec: Spec,
    entry: &str,
    constants: &[(&'static str, f64)],
) -> std::result::Result<naga::Module, String> {
    let parsed = crate::specialize::parse(&source(shader, spec)).ok_or("naga rejects the WGSL")?;
    crate::specialize::specialize(&parsed, entry, constants)
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

/// One pipeline's slot: filled once built. Its own lock is held while building, so threads that
/// ask for the same pipeline at once wait for one compilation instead of running several.
type PipelineSlot = Arc<Mutex<Option<Arc<wgpu::ComputePipeline>>>>;

/// A parsed source for host-side specialisation (`None`: naga rejected the text).
#[cfg(not(target_arch = "wasm32"))]
type ParsedSource = Option<Arc<crate::specialize::Parsed>>;

/// Built pipelines keyed by (shader, spec, entry point, override constants), and their modules.
/// Different pipelines build concurrently (compilation is single-threaded per pipeline on CPU
/// adapters, seconds for the large FFT kernels on lavapipe).
#[derive(Default)]
pub struct PipelineCache {
    pipelines: Mutex<HashMap<PipelineKey, PipelineSlot>>,
    modules: Mutex<HashMap<(Shader, Spec), wgpu::ShaderModule>>,
    #[cfg(not(target_arch = "wasm32"))]
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
            let listed = self
                .caps()
                .coop
                .iter()
                .any(|c| c.m == t && c.n == t && c.k == t && c.ab == "f16" && c.c == "f32");
            if !listed {
                return Err(Error::Unsupported(format!(
                    "the adapter lists no {t}x{t}x{t} f16->f32 cooperative-matrix configuration"
                )));
            }
        }
        if shader.uses_subgroups() && !self.caps().subgroups {
            return Err(Error::MissingFeature("SUBGROUP"));
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
        // Native: the pipeline's own specialised module (see `specialize`), when it applies.
        #[cfg(not(target_arch = "wasm32"))]
        if crate::specialize::enabled() {
            if let Some(m) = self.specialized(shader, spec, entry, constants) {
                let module = self.scoped(|| {
                    self.device
                        .create_shader_module(wgpu::ShaderModuleDescriptor {
                            label: Some(&format!("{shader:?}/{entry}")),
                            source: wgpu::ShaderSource::Naga(std::borrow::Cow::Owned(m)),
                        })
                })?;
                let pipeline = Arc::new(self.build_pipeline(shader, &module, entry, &[])?);
                *slot = Some(pipeline.clone());
                return Ok(pipeline);
            }
        }
        let module = {
            let mut modules = self
                .pipelines
                .modules
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            match modules.get(&(shader, spec)) {
                Some(m) => m.clone(),
                None => {
                    let text = source(shader, spec);
                    let m = self.scoped(|| {
                        self.device
                            .create_shader_module(wgpu::ShaderModuleDescriptor {
                                label: Some(&format!("{shader:?}")),
                                source: wgpu::ShaderSource::Wgsl(text.into()),
                            })
                    })?;
                    modules.insert((shader, spec), m.clone());
                    m
                }
            }
        };
        let pipeline = Arc::new(self.build_pipeline(shader, &module, entry, constants)?);
        *slot = Some(pipeline.clone());
        Ok(pipeline)
    }

    fn build_pipeline(
        &self,
        shader: Shader,
        module: &wgpu::ShaderModule,
        entry: &'static str,
        constants: &[(&'static str, f64)],
    ) -> Result<wgpu::ComputePipeline> {
        self.scoped(|| {
            self.device
                .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                    label: Some(&format!("{shader:?}/{entry}")),
                    layout: None,
                    module,
                    entry_point: Some(entry),
                    compilation_options: wgpu::PipelineCompilationOptions {
                        constants,
                        zero_initialize_workgroup_memory: false,
                    },
                    cache: None,
                })
        })
    }

    /// The specialised naga module of one pipeline (parsed once per source), or `None` to build
    /// it from WGSL.
    #[cfg(not(target_arch = "wasm32"))]
    fn specialized(
        &self,
        shader: Shader,
        spec: Spec,
        entry: &'static str,
        constants: &[(&'static str, f64)],
    ) -> Option<naga::Module> {
        let parsed = self
            .pipelines
            .parsed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((shader, spec))
            .or_insert_with(|| crate::specialize::parse(&source(shader, spec)).map(Arc::new))
            .clone()?;
        crate::specialize::specialize(&parsed, entry, constants)
            .map_err(|e| log::debug!("{shader:?}/{entry} built from WGSL, not specialised: {e}"))
            .ok()
    }
}
