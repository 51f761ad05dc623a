//! GEMM configurations: variant and tile sizes, their override constants, the candidates
//! valid on an adapter, and the untuned default.

use crate::ops::gemm::GemmDesc;
use crate::runtime::coop::CoopTiling;
use crate::runtime::pipelines::Shader;
use crate::runtime::Capabilities;
use crate::tune::fits_limits;
use serde::{Deserialize, Serialize};

/// Algorithm variant of the dense GEMM.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GemmVariant {
    /// Workgroup-memory tiles, register blocking: runs everywhere.
    Tiled,
    /// Register blocking with operands shared through subgroup broadcasts, no workgroup
    /// memory (needs a fixed subgroup size, a multiple of 8): the CPU-rasteriser default.
    Subgroup,
    /// Cooperative matrices (f16 in, f32 accumulate).
    Coop,
    /// Matrix × vector, for one output row or column.
    Gemv,
}

impl GemmVariant {
    /// Lower-case name for reports.
    pub fn name(self) -> &'static str {
        match self {
            GemmVariant::Tiled => "tiled",
            GemmVariant::Subgroup => "subgroup",
            GemmVariant::Coop => "coop",
            GemmVariant::Gemv => "gemv",
        }
    }
}

/// One GEMM configuration: the variant and the sizes that variant has (serialised with a
/// `variant` tag, as stored in the tuning cache).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "variant", rename_all = "lowercase")]
pub enum GemmConfig {
    /// A `bm × bn` block of C per workgroup, staged through workgroup memory `bk` along K at a
    /// time; each invocation owns `tm × tn` outputs (vec4 micro-tiles: `tm`, `tn` ∈ {4, 8, 16}).
    Tiled {
        /// Block rows.
        bm: u32,
        /// Block columns.
        bn: u32,
        /// K per step.
        bk: u32,
        /// Rows per invocation.
        tm: u32,
        /// Columns per invocation.
        tn: u32,
    },
    /// Workgroups of one subgroup of `sg` lanes (clusters of 8); each cluster owns `8·rq` rows
    /// × `32·nt` columns of C (each lane `rq` rows of A, `nt` column quads of B).
    Subgroup {
        /// Subgroup size (= invocations per workgroup).
        sg: u32,
        /// Rows of A per lane.
        rq: u32,
        /// 32-column chunks per cluster.
        nt: u32,
    },
    /// On cooperative matrices (the shared tiling of `shaders/common/coop_tile.wgsl`).
    Coop(CoopTiling),
    /// Matrix × vector: `wg` invocations, `rows` output rows per workgroup.
    Gemv {
        /// Invocations per workgroup.
        wg: u32,
        /// Output rows per workgroup.
        rows: u32,
    },
}

/// K per step of the GEMV kernel (`GV_KS`): one vec4 quad.
const GEMV_KS: u32 = 4;

impl GemmConfig {
    /// A tiled configuration.
    pub const fn tiled(bm: u32, bn: u32, bk: u32, tm: u32, tn: u32) -> Self {
        Self::Tiled { bm, bn, bk, tm, tn }
    }
    /// A subgroup configuration (see [`GemmConfig::Subgroup`]).
    pub const fn subgroup(sg: u32, rq: u32, nt: u32) -> Self {
        Self::Subgroup { sg, rq, nt }
    }
    /// A coop configuration: `sgm × sgn` subgroups of size `sg`, tile `tile`, K step `cbk`.
    pub const fn coop(tile: u32, sg: u32, sgm: u32, sgn: u32, cbk: u32) -> Self {
        Self::Coop(CoopTiling::new(tile, sg, sgm, sgn, cbk))
    }
    /// A GEMV configuration: `wg` invocations, `rows` rows per workgroup.
    pub const fn gemv(wg: u32, rows: u32) -> Self {
        Self::Gemv { wg, rows }
    }

    /// The variant.
    pub fn variant(&self) -> GemmVariant {
        match self {
            Self::Tiled { .. } => GemmVariant::Tiled,
            Self::Subgroup { .. } => GemmVariant::Subgroup,
            Self::Coop(_) => GemmVariant::Coop,
            Self::Gemv { .. } => GemmVariant::Gemv,
        }
    }

    /// The cooperative-matrix tile size, if this configuration runs on cooperative matrices.
    pub fn coop_tile(&self) -> Option<u32> {
        match *self {
            Self::Coop(c) => Some(c.tile),
            _ => None,
        }
    }

    /// The shader this configuration runs for `dtype` storage on a device with `caps` (GEMV
    /// reads its quads as 64-bit words where [`crate::runtime::Capabilities::word_access`] says
    /// so; every other variant is [`Self::shader`]).
    pub fn shader_for(&self, caps: &crate::runtime::Capabilities, dtype: crate::DType) -> Shader {
        match self {
            Self::Gemv { .. } => super::shaders::gemv(caps, dtype),
            _ => self.shader(),
        }
    }

    /// The shader this configuration runs on any device (GEMV's vector form).
    pub fn shader(&self) -> Shader {
        match self {
            Self::Tiled { .. } => super::shaders::TILED,
            Self::Subgroup { .. } => super::shaders::SUBGROUP,
            Self::Coop(_) => super::shaders::COOP,
            Self::Gemv { .. } => super::shaders::GEMV,
        }
    }

    /// Output rows × columns covered by one workgroup.
    pub fn block(&self) -> (u32, u32) {
        match *self {
            Self::Tiled { bm, bn, .. } => (bm, bn),
            Self::Subgroup { sg, rq, nt } => (sg * rq, 32 * nt),
            Self::Coop(c) => c.block(),
            Self::Gemv { rows, .. } => (rows, 1),
        }
    }

    /// Rows of C one workgroup covers when GEMV reads a transposed A (`trans_a`) of the
    /// effective problem `desc`: `wg / GV_KS` rows, or when it reads quads `rows` quads of four
    /// rows per invocation of a slice (other variants: their block rows).
    pub(crate) fn gemv_rows_transposed(&self, desc: &GemmDesc) -> u32 {
        match *self {
            Self::Gemv { wg, rows } if Self::gemv_quads(desc) => {
                4 * rows * (wg / self.gemv_k_slices(desc))
            }
            Self::Gemv { wg, .. } => wg / GEMV_KS,
            _ => self.block().0,
        }
    }

    /// K slices of a GEMV workgroup reading a transposed A (`GV_KS`): 4, but reading quads at
    /// most `wg / 8`, so that a slice spans at least 8 lanes' quads of every stored row it
    /// reads. (On lavapipe, 8 lanes in 4 slices, one quad each, read 32 bytes per stored row and
    /// ran 0.27× the untransposed GEMV.)
    pub(crate) fn gemv_k_slices(&self, desc: &GemmDesc) -> u32 {
        match *self {
            Self::Gemv { wg, .. } if desc.trans_a && Self::gemv_quads(desc) => {
                (wg / 8).clamp(1, GEMV_KS)
            }
            _ => GEMV_KS,
        }
    }

    /// Invocations per workgroup.
    pub fn invocations(&self) -> u32 {
        match *self {
            Self::Tiled { bm, bn, tm, tn, .. } => (bm / tm) * (bn / tn),
            Self::Subgroup { sg, .. } => sg,
            Self::Coop(c) => c.invocations(),
            Self::Gemv { wg, .. } => wg,
        }
    }

    /// Workgroup storage in bytes.
    pub fn workgroup_bytes(&self) -> u64 {
        match *self {
            Self::Tiled { bm, bn, bk, .. } => 4 * (bm as u64 * bk as u64 + bk as u64 * bn as u64),
            Self::Subgroup { .. } => 0,
            Self::Coop(c) => c.workgroup_bytes(),
            Self::Gemv { wg, .. } => 4 * wg as u64 * 8,
        }
    }

    /// Override constants, named as in the WGSL.
    pub fn constants(&self, desc: &GemmDesc) -> Vec<(&'static str, f64)> {
        let mut c = vec![
            ("TRANS_A", desc.trans_a as u8 as f64),
            ("TRANS_B", desc.trans_b as u8 as f64),
        ];
        // The linear layer's epilogue; a plain GEMM sets neither (the shaders' defaults), so its
        // pipelines stay the ones it always had.
        if desc.bias {
            c.push(("EPI_BIAS", 1.0));
        }
        if desc.activation != super::Activation::None {
            c.push(("EPI_ACT", desc.activation.code() as f64));
        }
        let f = |x: u32| x as f64;
        match *self {
            Self::Subgroup { sg, rq, nt } => {
                // READ_C: beta ≠ 0. A read of C per quad doubles the memory accesses of the
                // kernel's unrolled epilogue and with them lavapipe's compile time, for a case
                // (accumulating into C) most calls do not have.
                c.extend([
                    ("SG", f(sg)),
                    ("RQ", f(rq)),
                    ("NT", f(nt)),
                    ("READ_C", (desc.beta != 0.0) as u8 as f64),
                ]);
            }
            Self::Tiled { bm, bn, bk, tm, tn } => {
                c.extend([
                    ("BM", f(bm)),
                    ("BN", f(bn)),
                    ("BK", f(bk)),
                    ("TM", f(tm)),
                    ("TN", f(tn)),
                    ("WG_X", f(bn / tn)),
                    ("WG_Y", f(bm / tm)),
                ]);
            }
            Self::Coop(t) => c.extend(t.constants()),
            Self::Gemv { wg, rows } => {
                c.extend([
                    ("GV_WG", f(wg)),
                    ("GV_ROWS", f(rows)),
                    ("GV_KS", f(self.gemv_k_slices(desc))),
                    ("VEC4", Self::gemv_quads(desc) as u8 as f64),
                ]);
            }
        }
        c
    }

    /// Whether the GEMV kernel can read A and x as vec4 quads for this (effective, one-column)
    /// problem: stored rows of A have a multiple-of-4 length (K, or M when A is stored K×M) and
    /// K is a multiple of 4, so every row, batch and x offset is quad-aligned (x is always
    /// contiguous for one column).
    pub fn gemv_quads(desc: &GemmDesc) -> bool {
        desc.k.is_multiple_of(4) && (!desc.trans_a || desc.m.is_multiple_of(4))
    }

    /// Whether the one-column problem GEMV runs for `desc` (the transposed one for a one-row
    /// product) reads a stored-transposed A as quads: there an invocation may own up to 32
    /// quads (GEMV's `rows`), not 8. Each lane-group then reads 4 KiB of a stored row per visit
    /// instead of 1 KiB: lavapipe 22.3, 4096 × 4096 f32 `Aᵀ·x` at 0.91–0.93× the speed of `A·x`
    /// with 32 quads, 0.69–0.70× with 8 (alternating rounds in one process).
    pub fn gemv_wide(desc: &GemmDesc) -> bool {
        let e = desc.gemv_problem();
        e.trans_a && Self::gemv_quads(&e)
    }

    /// Short label for reports, e.g. `tiled 64x64x16 t4x4`.
    pub fn label(&self) -> String {
        let (m, n) = self.block();
        match *self {
            Self::Subgroup { sg, rq, nt } => format!("subgroup sg{sg} {m}x{n} r{rq}x{nt}"),
            Self::Tiled { bm, bn, bk, tm, tn } => format!("tiled {bm}x{bn}x{bk} t{tm}x{tn}"),
            Self::Coop(c) => c.label(),
            Self::Gemv { wg, rows } => format!("gemv wg{wg} rows{rows}"),
        }
    }

    /// Whether this configuration can run `desc` on `ctx` (features, limits, shape).
    pub fn valid_for(&self, caps: &Capabilities, limits: &wgpu::Limits, desc: &GemmDesc) -> bool {
        let (wg_x, wg_y) = match *self {
            Self::Tiled { bm, bn, tm, tn, .. } => (bn / tn, bm / tm),
            _ => (self.invocations(), 1),
        };
        if !fits_limits(
            limits,
            self.invocations(),
            self.workgroup_bytes(),
            wg_x,
            wg_y,
        ) {
            return false;
        }
        if desc.dtype == crate::DType::F16 && !caps.f16 {
            return false;
        }
        match *self {
            Self::Tiled { bm, bn, tm, tn, .. } => {
                // vec4 micro-tiles: TM, TN in {4, 8, 16}.
                [4, 8, 16].contains(&tm)
                    && [4, 8, 16].contains(&tn)
                    && bm.is_multiple_of(tm)
                    && bn.is_multiple_of(tn)
            }
            Self::Subgroup { sg, rq, nt } => {
                // Operands are read as vec4s along their stored rows and C is written as vec4s:
                // K and N multiples of 4, and M too when A is stored transposed (K×M).
                caps.subgroups
                    && caps.subgroup_min == sg
                    && caps.subgroup_max == sg
                    && sg.is_multiple_of(8)
                    && (1..=16).contains(&rq)
                    && (1..=4).contains(&nt)
                    && rq * nt <= 32
                    && desc.k.is_multiple_of(4)
                    && desc.n.is_multiple_of(4)
                    && (!desc.trans_a || desc.m.is_multiple_of(4))
            }
            Self::Coop(c) => c.valid_on(caps),
            Self::Gemv { wg, rows } => {
                desc.gemv_shape()
                    && wg.is_power_of_two()
                    && (rows <= 8 || (rows <= 32 && Self::gemv_wide(desc)))
                    && wg.is_multiple_of(GEMV_KS)
            }
        }
    }
}

/// Tiled candidates (BM, BN, BK, TM, TN): vec4 micro-tiles of 4 or 8.
const TILED_TILES: [(u32, u32, u32, u32, u32); 9] = [
    (64, 64, 16, 4, 4),
    (64, 64, 8, 4, 4),
    (32, 64, 16, 4, 4),
    (64, 64, 16, 8, 4),
    (64, 64, 16, 4, 8),
    (128, 64, 8, 8, 4),
    (64, 128, 8, 4, 8),
    (128, 128, 8, 8, 8),
    (32, 32, 16, 4, 4),
];

/// Tiled candidates with 16-wide micro-tiles, for CPU rasterisers only: there a register is a
/// stack slot, and what costs is each invocation's workgroup-memory loads (executed lane by
/// lane), which a 16 × 16 micro-tile halves per FMA against 8 × 8 (on a GPU, 64 vec4
/// accumulators per invocation would spill).
const TILED_TILES_CPU: [(u32, u32, u32, u32, u32); 2] =
    [(128, 128, 8, 16, 16), (128, 64, 8, 16, 8)];

/// Subgroup candidates (rows per lane, 32-column chunks per cluster); the first is what
/// `verify` checks where the default is another variant (the cheapest to compile of the fast ones).
const SUBGROUP_TILES: [(u32, u32); 5] = [(8, 2), (16, 2), (8, 4), (4, 2), (1, 1)];

/// Every configuration worth trying for `desc` on an adapter with `caps` and `limits`, the
/// default first. A pure function of its inputs, so tests can list what the dispatcher would
/// pick on adapters this machine does not have.
pub fn gemm_candidates(
    caps: &Capabilities,
    limits: &wgpu::Limits,
    desc: &GemmDesc,
) -> Vec<GemmConfig> {
    let mut all = vec![gemm_default(caps, limits, desc)];
    if desc.gemv_shape() {
        for wg in [16, 32, 64, 128, 256] {
            for rows in [1, 2, 4, 8] {
                all.push(GemmConfig::gemv(wg, rows));
            }
        }
        // More quads per lane, for a transposed A read as quads only (see `gemv_wide`).
        for rows in [16, 32] {
            all.push(GemmConfig::gemv(16, rows));
        }
    }
    // On CPU rasterisers the 16-wide micro-tiles come first: the first tiled candidate is the
    // one `verify` checks and the quick bench times.
    let cpu_tiles = match caps.device_type {
        wgpu::DeviceType::Cpu => &TILED_TILES_CPU[..],
        _ => &[],
    };
    for &(bm, bn, bk, tm, tn) in cpu_tiles.iter().chain(&TILED_TILES) {
        all.push(GemmConfig::tiled(bm, bn, bk, tm, tn));
    }
    if caps.subgroups && caps.subgroup_min == caps.subgroup_max {
        for (rq, nt) in SUBGROUP_TILES {
            all.push(GemmConfig::subgroup(caps.subgroup_min, rq, nt));
        }
    }
    if let Some(t) = caps.coop_f16_f32_tile() {
        let sg = caps.subgroup_min;
        for (sgm, sgn, kmul) in [(2, 2, 2), (2, 2, 4), (1, 1, 4), (2, 1, 2), (4, 2, 2)] {
            all.push(GemmConfig::coop(t, sg, sgm, sgn, t * kmul));
        }
    }
    let mut seen = std::collections::HashSet::new();
    all.into_iter()
        .filter(|c| c.valid_for(caps, limits, desc) && seen.insert(*c))
        .collect()
}

/// The untuned pick: GEMV for one-column shapes, else the tiled kernel, with sizes by device
/// type. CPU rasterisers (lavapipe, llvmpipe, SwiftShader, WARP) run each invocation as a SIMD
/// lane, execute loads with per-invocation addresses lane by lane and turn every barrier into a
/// coroutine switch, so they favour few, wide (vec4) loads per FMA and no synchronisation: the
/// subgroup variant where the subgroup size is a fixed multiple of 8 (64×64 blocks, each loaded
/// value feeding 64 FMAs), else the tiled kernel with 16 × 16 micro-tiles (each invocation's
/// workgroup-memory loads run lane by lane there, and the larger micro-tile makes fewer of them
/// per FMA); GEMV workgroups of 8 with 8 rows each. GPUs favour 128-invocation GEMV
/// workgroups and the 4×8 tiled blocking in 128 invocations (the subgroup variant's lane-strided
/// A loads do not coalesce there). Cooperative matrices are never the silent default for f32
/// storage (they round inputs to f16); for f16 storage they are, except where the subgroup
/// variant runs (Mesa 26 lavapipe emulates them: 1024³ f16 ran 10.5× faster on the subgroup
/// kernel than on coop 8×8, in the same alternating rounds).
/// Measured choices from `wgkernels tune` replace these per adapter.
pub fn gemm_default(caps: &Capabilities, limits: &wgpu::Limits, desc: &GemmDesc) -> GemmConfig {
    let cpu = caps.device_type == wgpu::DeviceType::Cpu;
    if desc.gemv_shape() {
        let g = if cpu && GemmConfig::gemv_wide(desc) {
            GemmConfig::gemv(8, 32)
        } else if cpu {
            GemmConfig::gemv(8, 8)
        } else {
            GemmConfig::gemv(128, 4)
        };
        if g.valid_for(caps, limits, desc) {
            return g;
        }
    }
    if cpu && caps.subgroups && caps.subgroup_min == caps.subgroup_max {
        // Rows per lane: enough for M (powers of two, at most 8), 64 columns unless N is small.
        // (16 rows per lane, 128×64 blocks: slower at 512³-1024³ on lavapipe 22.3 — `tune`
        // measured 64×64 blocks 1.39-1.43× faster for f32, 1.21× for f16 — and 2.5-3× the
        // compile time: 5.1 s against 2 s for f32, 9.1 s against 3.2 s for f16.)
        let rq = desc
            .m
            .div_ceil(caps.subgroup_min)
            .next_power_of_two()
            .min(8);
        let nt = if desc.n > 32 { 2 } else { 1 };
        let s = GemmConfig::subgroup(caps.subgroup_min, rq, nt);
        if s.valid_for(caps, limits, desc) {
            return s;
        }
    }
    if desc.dtype == crate::DType::F16 {
        if let Some(t) = caps.coop_f16_f32_tile() {
            let c = GemmConfig::coop(t, caps.subgroup_min, 2, 2, 2 * t);
            if c.valid_for(caps, limits, desc) {
                return c;
            }
        }
    }
    let preferred = if cpu {
        GemmConfig::tiled(128, 128, 8, 16, 16)
    } else {
        GemmConfig::tiled(64, 64, 16, 4, 8)
    };
    if preferred.valid_for(caps, limits, desc) {
        return preferred;
    }
    // Smallest safe tile for tight limits.
    GemmConfig::tiled(32, 32, 16, 4, 4)
}
