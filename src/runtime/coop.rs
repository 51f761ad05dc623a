//! The geometry of the shared cooperative-matrix tiling (`shaders/common/coop_tile.wgsl`), in
//! one place for every kernel that runs on it (dense and sparse GEMM).

use crate::runtime::Capabilities;
use serde::{Deserialize, Serialize};

/// `sgm × sgn` subgroups of `sg` lanes, each owning 2 × 2 accumulators of `tile`² (f16 operands,
/// f32 accumulation), stepping K by `cbk` (a multiple of the tile). The workgroup stages its
/// operands and output block in workgroup memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CoopTiling {
    /// Cooperative-matrix tile size (8 or 16).
    pub tile: u32,
    /// Subgroup size (fixed: the shader derives subgroup ids from it).
    pub sg: u32,
    /// Subgroups along M.
    pub sgm: u32,
    /// Subgroups along N.
    pub sgn: u32,
    /// K per step.
    pub cbk: u32,
}

impl CoopTiling {
    /// `sgm × sgn` subgroups of `sg` lanes on `tile`² matrices, K step `cbk`.
    pub const fn new(tile: u32, sg: u32, sgm: u32, sgn: u32, cbk: u32) -> Self {
        Self {
            tile,
            sg,
            sgm,
            sgn,
            cbk,
        }
    }

    /// Output rows × columns of one workgroup.
    pub fn block(&self) -> (u32, u32) {
        (2 * self.sgm * self.tile, 2 * self.sgn * self.tile)
    }

    /// Invocations per workgroup.
    pub fn invocations(&self) -> u32 {
        self.sg * self.sgm * self.sgn
    }

    /// Workgroup storage in bytes: f16 operand stages and the f32 output block.
    pub fn workgroup_bytes(&self) -> u64 {
        let (m, n) = self.block();
        let (m, n, k) = (m as u64, n as u64, self.cbk as u64);
        2 * (m * k + k * n) + 4 * m * n
    }

    /// The tiling's override constants, named as in the WGSL.
    pub fn constants(&self) -> [(&'static str, f64); 4] {
        [
            ("SG", self.sg as f64),
            ("SGM", self.sgm as f64),
            ("SGN", self.sgn as f64),
            ("CBK", self.cbk as f64),
        ]
    }

    /// Short label for reports, e.g. `coop 16x16 sg32 64x64x32`.
    pub fn label(&self) -> String {
        let (m, n) = self.block();
        let (t, sg, k) = (self.tile, self.sg, self.cbk);
        format!("coop {t}x{t} sg{sg} {m}x{n}x{k}")
    }

    /// Whether the adapter runs this tiling: it lists the tile (anything else is undefined
    /// behaviour), has f16, and subgroups of exactly `sg` lanes.
    pub fn valid_on(&self, caps: &Capabilities) -> bool {
        caps.has_coop_f16_f32(self.tile)
            && caps.subgroup_min == self.sg
            && caps.subgroup_max == self.sg
            && self.sgm >= 1
            && self.sgn >= 1
            && self.cbk.is_multiple_of(self.tile)
    }
}
