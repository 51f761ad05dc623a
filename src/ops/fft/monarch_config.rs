//! Monarch / matrix-FFT configurations: geometry, validity on an adapter, the candidates the
//! dispatcher may try and the best untuned one (used by the bench to report both algorithms).
//!
//! A Monarch configuration keeps the Stockham geometry (`log_cap`: complex values per workgroup,
//! `log_mp_cols`: columns per strided pass, `e` = 16) so that ops without a Monarch path (rfft,
//! convolution) run the same workgroup geometry on Stockham when handed one, and adds the DFT
//! matrix size `radix` and how the stages multiply ([`MonarchGemm`]).

use super::config::{FftAlgo, FftConfig, MonarchGemm};
use crate::ops::fft::FftDesc;
use crate::runtime::Capabilities;
use crate::tune::fits_limits;

/// Rows per invocation of the tiled GEMM stages (a multiple of 4 holding whole (re, im) pairs).
pub(crate) const MONARCH_TM: u32 = 8;
/// Most subgroups per workgroup of the coop variant.
const MONARCH_MAX_NSG: u32 = 4;

impl FftConfig {
    /// A Monarch configuration on tiled f32 GEMM stages: `2^log_cap` complex values per
    /// workgroup, DFT matrices of `radix`, `tn` columns per invocation.
    pub const fn monarch_tiled(log_cap: u32, log_mp_cols: u32, radix: u32, tn: u32) -> Self {
        Self {
            log_cap,
            e: 16,
            log_mp_cols,
            algo: FftAlgo::Monarch {
                radix,
                gemm: MonarchGemm::Tiled { tn },
            },
        }
    }

    /// A Monarch configuration on `tile`×`tile` cooperative matrices (f16 operands, f32
    /// accumulation) with subgroups of exactly `sg` invocations.
    pub const fn monarch_coop(
        log_cap: u32,
        log_mp_cols: u32,
        radix: u32,
        tile: u32,
        sg: u32,
    ) -> Self {
        Self {
            log_cap,
            e: 16,
            log_mp_cols,
            algo: FftAlgo::Monarch {
                radix,
                gemm: MonarchGemm::Coop { tile, sg },
            },
        }
    }

    /// The DFT matrix size of the Monarch stages (0 for Stockham).
    pub(crate) fn radix(&self) -> u32 {
        match self.algo {
            FftAlgo::Monarch { radix, .. } => radix,
            FftAlgo::Stockham { .. } => 0,
        }
    }

    /// Columns of every GEMM stage: `2^log_cap / radix`.
    pub(crate) fn monarch_cols(&self) -> u32 {
        (1u32 << self.log_cap) / self.radix().max(1)
    }

    /// Coop: subgroups per workgroup (at most 4, at most the output blocks of a stage).
    pub(crate) fn monarch_nsg(&self) -> u32 {
        let t = self.coop_tile().unwrap_or(1);
        let blocks = (self.radix() / t) * (self.monarch_cols() / (2 * t));
        blocks.clamp(1, MONARCH_MAX_NSG)
    }

    /// (x, y) workgroup size.
    pub(crate) fn monarch_wg(&self) -> (u32, u32) {
        match self.monarch_gemm() {
            Some(MonarchGemm::Coop { sg, .. }) => (sg * self.monarch_nsg(), 1),
            Some(MonarchGemm::Tiled { tn }) => (
                self.monarch_cols() / tn.max(1),
                2 * self.radix() / MONARCH_TM,
            ),
            None => (0, 0),
        }
    }

    /// Workgroup storage bytes: tiled `tile_a4` (4R² f32) + `tile_b4` (2·cap f32); coop
    /// `stage_a` (4R² f16) + `stage_b` (2·cap f16) + `stage_c` (2·cap f32).
    pub(crate) fn monarch_workgroup_bytes(&self) -> u64 {
        let (r, cap) = (self.radix() as u64, 1u64 << self.log_cap);
        if self.coop_tile().is_some() {
            8 * r * r + 12 * cap
        } else {
            16 * r * r + 8 * cap
        }
    }

    pub(crate) fn monarch_label(&self) -> String {
        let kind = match self.monarch_gemm() {
            Some(MonarchGemm::Coop { tile, sg }) => format!("coop{tile} sg{sg}"),
            Some(MonarchGemm::Tiled { tn }) => format!("tiled tn{tn}"),
            None => String::new(),
        };
        format!(
            "monarch r{} {kind} cap{} mp{}",
            self.radix(),
            1u32 << self.log_cap,
            1u32 << self.log_mp_cols
        )
    }

    pub(crate) fn monarch_valid_for(
        &self,
        caps: &Capabilities,
        limits: &wgpu::Limits,
        desc: &FftDesc,
    ) -> bool {
        if !desc.is_pow2() || (desc.dtype == crate::DType::F16 && !caps.f16) {
            return false;
        }
        let (r, cols) = (self.radix(), self.monarch_cols());
        let shape_ok = self.e == 16
            && self.log_cap <= 13
            && self.log_mp_cols < self.log_cap
            && [4, 8, 16, 32].contains(&r)
            && (1u32 << self.log_cap) >= 2 * r;
        let kind_ok = match self.monarch_gemm() {
            Some(MonarchGemm::Tiled { tn }) => {
                [4, 8].contains(&tn)
                    && cols.is_multiple_of(tn)
                    && (2 * r).is_multiple_of(MONARCH_TM)
            }
            Some(MonarchGemm::Coop { tile: t, sg }) => {
                caps.has_coop_f16_f32(t)
                    && sg > 0
                    && caps.subgroup_min == sg
                    && caps.subgroup_max == sg
                    && r.is_multiple_of(t)
                    && cols.is_multiple_of(2 * t)
            }
            None => false,
        };
        let (x, y) = self.monarch_wg();
        shape_ok && kind_ok && fits_limits(limits, x * y, self.monarch_workgroup_bytes(), x, y)
    }
}

/// The Monarch configurations worth trying for `desc`. Cooperative-matrix ones only for f16
/// storage: they round operands to f16 every stage, so they cannot meet the f32 FFT bound and
/// the dispatcher must not hand them f32 data (callers may still ask for them explicitly).
pub fn monarch_candidates(
    caps: &Capabilities,
    limits: &wgpu::Limits,
    desc: &FftDesc,
) -> Vec<FftConfig> {
    let mut v = Vec::new();
    // 4096 points per workgroup where workgroup memory holds them (tiled radix 8: 33 KiB),
    // else 2048 (32 KiB adapters: tiled 17-20 KiB, coop 24.5-26 KiB), then smaller.
    for log_cap in [12u32, 11, 10, 9] {
        if desc.dtype == crate::DType::F16 {
            for t in [16u32, 8] {
                for r in [t, 2 * t] {
                    v.push(FftConfig::monarch_coop(log_cap, 2, r, t, caps.subgroup_min));
                }
            }
        }
        // Radix 8 first: measured 1.1-1.6x faster than radix 16 on lavapipe (Mesa 22 and 26),
        // half the multiply-adds per stage for one more stage.
        v.push(FftConfig::monarch_tiled(log_cap, 2, 8, 8));
        v.push(FftConfig::monarch_tiled(log_cap, 2, 16, 8));
        v.push(FftConfig::monarch_tiled(log_cap, 1, 16, 8));
        v.push(FftConfig::monarch_tiled(log_cap, 2, 16, 4));
    }
    v.retain(|c| c.valid_for(caps, limits, desc));
    v
}

/// The first valid Monarch candidate (coop for f16 data where listed, else tiled radix 8 at the
/// largest workgroup size), or `None` for lengths Monarch does not run (non powers of two).
pub fn monarch_default(
    caps: &Capabilities,
    limits: &wgpu::Limits,
    desc: &FftDesc,
) -> Option<FftConfig> {
    monarch_candidates(caps, limits, desc).into_iter().next()
}
