//! GEMM configurations: variant and tile sizes, their override constants, the candidates
//! valid on an adapter, and the untuned default.

use crate::ops::gemm::GemmDesc;
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

/// One GEMM configuration. Fields a variant does not use are zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GemmConfig {
    /// The variant.
    pub variant: GemmVariant,
    /// Block rows (tiled); rows per lane (subgroup) — for coop, subgroups along M.
    pub bm: u32,
    /// Block columns (tiled); 32-column chunks (subgroup) — for coop, subgroups along N.
    pub bn: u32,
    /// K step (tiled), subgroup size (subgroup, coop: the K step is a multiple of the tile).
    pub bk: u32,
    /// Rows per invocation (tiled); 1 (subgroup); coop tile size (coop); rows per workgroup
    /// (gemv).
    pub tm: u32,
    /// Columns per invocation (tiled); subgroup size (coop); invocations (gemv).
    pub tn: u32,
}

impl GemmConfig {
    /// A tiled configuration.
    pub const fn tiled(bm: u32, bn: u32, bk: u32, tm: u32, tn: u32) -> Self {
        Self {
            variant: GemmVariant::Tiled,
            bm,
            bn,
            bk,
            tm,
            tn,
        }
    }
    /// A subgroup configuration: workgroups of one subgroup of `sg` lanes (clusters of 8);
    /// each cluster owns `8·rq` rows × `32·nt` columns of C (each lane `rq` rows of A, `nt`
    /// column quads of B).
    pub const fn subgroup(sg: u32, rq: u32, nt: u32) -> Self {
        Self {
            variant: GemmVariant::Subgroup,
            bm: rq,
            bn: nt,
            bk: sg,
            tm: 1,
            tn: 0,
        }
    }
    /// A coop configuration: `sgm × sgn` subgroups of size `sg`, tile `tile`, K step `cbk`.
    pub const fn coop(tile: u32, sg: u32, sgm: u32, sgn: u32, cbk: u32) -> Self {
        Self {
            variant: GemmVariant::Coop,
            bm: sgm,
            bn: sgn,
            bk: cbk,
            tm: tile,
            tn: sg,
        }
    }
    /// A GEMV configuration: `wg` invocations, `rows` rows per workgroup.
    pub const fn gemv(wg: u32, rows: u32) -> Self {
        Self {
            variant: GemmVariant::Gemv,
            bm: rows,
            bn: 1,
            bk: 4,
            tm: rows,
            tn: wg,
        }
    }

    /// The shader this configuration runs.
    pub fn shader(&self) -> Shader {
        match self.variant {
            GemmVariant::Tiled => super::shaders::TILED,
            GemmVariant::Subgroup => super::shaders::SUBGROUP,
            GemmVariant::Coop => super::shaders::COOP,
            GemmVariant::Gemv => super::shaders::GEMV,
        }
    }

    /// Output rows × columns covered by one workgroup.
    pub fn block(&self) -> (u32, u32) {
        match self.variant {
            GemmVariant::Tiled => (self.bm, self.bn),
            GemmVariant::Subgroup => (self.bk * self.bm, 32 * self.bn),
            GemmVariant::Coop => (2 * self.bm * self.tm, 2 * self.bn * self.tm),
            GemmVariant::Gemv => (self.tm, 1),
        }
    }

    /// Invocations per workgroup.
    pub fn invocations(&self) -> u32 {
        match self.variant {
            GemmVariant::Tiled => (self.bm / self.tm) * (self.bn / self.tn),
            GemmVariant::Subgroup => self.bk,
            GemmVariant::Coop => self.tn * self.bm * self.bn,
            GemmVariant::Gemv => self.tn,
        }
    }

    /// Workgroup storage in bytes.
    pub fn workgroup_bytes(&self) -> u64 {
        let (bm, bn, bk) = (self.bm as u64, self.bn as u64, self.bk as u64);
        match self.variant {
            GemmVariant::Tiled => 4 * (bm * bk + bk * bn),
            GemmVariant::Subgroup => 0,
            GemmVariant::Coop => {
                let (cbm, cbn) = self.block();
                let (cbm, cbn) = (cbm as u64, cbn as u64);
                2 * (cbm * bk + bk * cbn) + 4 * cbm * cbn
            }
            GemmVariant::Gemv => 4 * self.tn as u64 * 8,
        }
    }

    /// Override constants, named as in the WGSL.
    pub fn constants(&self, desc: &GemmDesc) -> Vec<(&'static str, f64)> {
        let mut c = vec![
            ("TRANS_A", desc.trans_a as u8 as f64),
            ("TRANS_B", desc.trans_b as u8 as f64),
        ];
        let f = |x: u32| x as f64;
        match self.variant {
            GemmVariant::Subgroup => {
                // READ_C: beta ≠ 0. A read of C per quad doubles the memory accesses of the
                // kernel's unrolled epilogue and with them lavapipe's compile time, for a case
                // (accumulating into C) most calls do not have.
                c.extend([
                    ("SG", f(self.bk)),
                    ("RQ", f(self.bm)),
                    ("NT", f(self.bn)),
                    ("READ_C", (desc.beta != 0.0) as u8 as f64),
                ]);
            }
            GemmVariant::Tiled => {
                c.extend([
                    ("BM", f(self.bm)),
                    ("BN", f(self.bn)),
                    ("BK", f(self.bk)),
                    ("TM", f(self.tm)),
                    ("TN", f(self.tn)),
                    ("WG_X", f(self.bn / self.tn)),
                    ("WG_Y", f(self.bm / self.tm)),
                ]);
            }
            GemmVariant::Coop => {
                c.extend([
                    ("SG", f(self.tn)),
                    ("SGM", f(self.bm)),
                    ("SGN", f(self.bn)),
                    ("CBK", f(self.bk)),
                ]);
            }
            GemmVariant::Gemv => {
                c.extend([
                    ("GV_WG", f(self.tn)),
                    ("GV_ROWS", f(self.tm)),
                    ("GV_KS", f(self.bk)),
                    ("VEC4", Self::gemv_quads(desc) as u8 as f64),
                ]);
            }
        }
        c
    }

    /// Whether the GEMV kernel can read A and x as vec4 quads for this (effective, one-column)
    /// problem: rows of A are contiguous with a multiple-of-4 length, so every row, batch and
    /// x offset is quad-aligned (x is always contiguous for one column).
    pub fn gemv_quads(desc: &GemmDesc) -> bool {
        !desc.trans_a && desc.k.is_multiple_of(4)
    }

    /// Short label for reports, e.g. `tiled 64x64x16 t4x4`.
    pub fn label(&self) -> String {
        match self.variant {
            GemmVariant::Subgroup => {
                let (m, n) = self.block();
                format!("subgroup sg{} {m}x{n} r{}x{}", self.bk, self.bm, self.bn)
            }
            GemmVariant::Tiled => format!(
                "{} {}x{}x{} t{}x{}",
                self.variant.name(),
                self.bm,
                self.bn,
                self.bk,
                self.tm,
                self.tn
            ),
            GemmVariant::Coop => {
                let (m, n) = self.block();
                format!(
                    "coop {t}x{t} sg{} {m}x{n}x{}",
                    self.tn,
                    self.bk,
                    t = self.tm
                )
            }
            GemmVariant::Gemv => format!("gemv wg{} rows{}", self.tn, self.tm),
        }
    }

    /// Whether this configuration can run `desc` on `ctx` (features, limits, shape).
    pub fn valid_for(&self, caps: &Capabilities, limits: &wgpu::Limits, desc: &GemmDesc) -> bool {
        let (wg_x, wg_y) = match self.variant {
            GemmVariant::Tiled => (self.bn / self.tn, self.bm / self.tm),
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
        match self.variant {
            GemmVariant::Tiled => {
                // vec4 micro-tiles: TM, TN in {4, 8}.
                [4, 8].contains(&self.tm)
                    && [4, 8].contains(&self.tn)
                    && self.bm.is_multiple_of(self.tm)
                    && self.bn.is_multiple_of(self.tn)
            }
            GemmVariant::Subgroup => {
                let sg = self.bk;
                // Operands are read as vec4 rows: no transposes, K and N multiples of 4.
                caps.subgroups
                    && caps.subgroup_min == sg
                    && caps.subgroup_max == sg
                    && sg.is_multiple_of(8)
                    && (1..=16).contains(&self.bm)
                    && (1..=4).contains(&self.bn)
                    && self.bm * self.bn <= 32
                    && self.tm == 1
                    && !desc.trans_a
                    && !desc.trans_b
                    && desc.k.is_multiple_of(4)
                    && desc.n.is_multiple_of(4)
            }
            GemmVariant::Coop => {
                // Only a configuration the adapter lists (anything else is undefined behaviour),
                // and subgroups of one fixed size, since the shader derives subgroup ids from it.
                let listed = caps.coop.iter().any(|c| {
                    c.m == self.tm
                        && c.n == self.tm
                        && c.k == self.tm
                        && c.ab == "f16"
                        && c.c == "f32"
                });
                listed
                    && caps.f16
                    && caps.subgroup_min == self.tn
                    && caps.subgroup_max == self.tn
                    && self.bk.is_multiple_of(self.tm)
            }
            GemmVariant::Gemv => {
                desc.gemv_shape()
                    && self.tn.is_power_of_two()
                    && self.tm <= 8
                    && self.tn.is_multiple_of(self.bk)
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

/// Subgroup candidates (rows per lane, 32-column chunks per cluster).
const SUBGROUP_TILES: [(u32, u32); 5] = [(16, 2), (8, 2), (8, 4), (4, 2), (1, 1)];

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
    }
    for (bm, bn, bk, tm, tn) in TILED_TILES {
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
/// subgroup variant where the subgroup size is a fixed multiple of 8 (on lavapipe ~5-6× the
/// tiled kernel at 1024³: 128×64 blocks, each loaded value feeding 64-128 FMAs), else 4×8
/// micro-tiles; GEMV workgroups of 8 with 8 rows each. GPUs favour 128-invocation GEMV
/// workgroups and the 4×8 tiled blocking in 128 invocations (the subgroup variant's lane-strided
/// A loads do not coalesce there). Cooperative matrices are never the silent default for f32
/// storage (they round inputs to f16); for f16 storage they are.
/// Measured choices from `wgkernels tune` replace these per adapter.
pub fn gemm_default(caps: &Capabilities, limits: &wgpu::Limits, desc: &GemmDesc) -> GemmConfig {
    let cpu = caps.device_type == wgpu::DeviceType::Cpu;
    if desc.gemv_shape() {
        let g = if cpu {
            GemmConfig::gemv(8, 8)
        } else {
            GemmConfig::gemv(128, 4)
        };
        if g.valid_for(caps, limits, desc) {
            return g;
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
    if cpu && caps.subgroups && caps.subgroup_min == caps.subgroup_max {
        // Rows per lane: enough for M (powers of two, at most 16), 64 columns unless N is small.
        let rq = desc
            .m
            .div_ceil(caps.subgroup_min)
            .next_power_of_two()
            .min(16);
        let nt = if desc.n > 32 { 2 } else { 1 };
        let s = GemmConfig::subgroup(caps.subgroup_min, rq, nt);
        if s.valid_for(caps, limits, desc) {
            return s;
        }
    }
    let preferred = GemmConfig::tiled(64, 64, 16, 4, 8);
    if preferred.valid_for(caps, limits, desc) {
        return preferred;
    }
    // Smallest safe tile for tight limits.
    GemmConfig::tiled(32, 32, 16, 4, 4)
}
