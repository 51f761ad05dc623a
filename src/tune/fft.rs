//! FFT configurations: the algorithm (Stockham passes or the Monarch matrix FFT) and the
//! workgroup geometry, the candidates valid on an adapter and the untuned default.

use super::fits_limits;
use crate::gpu::Capabilities;
use crate::ops::fft::FftDesc;
use serde::{Deserialize, Serialize};

/// Algorithm of the power-of-two complex FFT.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FftVariant {
    /// Stockham radix-16/8/4/2 butterflies in workgroup memory: one fused dispatch up to the
    /// workgroup-memory size, a few large-radix passes beyond.
    Stockham,
}

impl FftVariant {
    /// Lower-case name for reports.
    pub fn name(self) -> &'static str {
        match self {
            FftVariant::Stockham => "stockham",
        }
    }
}

/// One FFT configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FftConfig {
    /// The algorithm.
    pub variant: FftVariant,
    /// log2 of the complex values one workgroup holds in workgroup memory (8 bytes each): the
    /// largest transform done in one fused dispatch.
    pub log_cap: u32,
    /// Values per invocation, 16 or 64: the radix of the main stages. 64 halves the trips
    /// through workgroup memory (a 4096-point FFT is two stages), which pays on CPU rasterisers
    /// where every per-invocation memory access is a scalar loop; 16 keeps more invocations
    /// per workgroup for GPUs.
    pub e: u32,
    /// log2 of the columns a workgroup takes in a strided (multi-pass) pass: more columns give
    /// longer contiguous runs of memory, at the price of shorter sub-FFTs (more passes).
    pub log_mp_cols: u32,
}

impl FftConfig {
    /// A Stockham configuration.
    pub const fn stockham(log_cap: u32, e: u32, log_mp_cols: u32) -> Self {
        Self {
            variant: FftVariant::Stockham,
            log_cap,
            e,
            log_mp_cols,
        }
    }

    /// Largest transform length done in one dispatch.
    pub fn fused_max(&self) -> u32 {
        1 << self.log_cap
    }

    /// log2 of the longest sub-FFT of a strided pass.
    pub fn log_mp(&self) -> u32 {
        self.log_cap - self.log_mp_cols
    }

    /// Invocations per workgroup.
    pub fn invocations(&self) -> u32 {
        (1 << self.log_cap) / self.e
    }

    /// Workgroup storage in bytes.
    pub fn workgroup_bytes(&self) -> u64 {
        8u64 << self.log_cap
    }

    /// Short label for reports, e.g. `stockham cap4096 e16`.
    pub fn label(&self) -> String {
        format!(
            "{} cap{} e{} mp{}",
            self.variant.name(),
            1u32 << self.log_cap,
            self.e,
            1u32 << self.log_mp_cols
        )
    }

    /// Whether this configuration can run on an adapter with these limits.
    pub fn valid_for(&self, caps: &Capabilities, limits: &wgpu::Limits, desc: &FftDesc) -> bool {
        let _ = caps;
        if desc.dtype == crate::DType::F16 && !caps.f16 {
            return false;
        }
        matches!(self.e, 16 | 64)
            && self.log_cap >= self.e.trailing_zeros()
            && self.log_cap <= 13
            && self.log_mp_cols < self.log_cap
            && self.log_mp() >= 4
            && fits_limits(
                limits,
                self.invocations(),
                self.workgroup_bytes(),
                self.invocations(),
                1,
            )
    }
}

/// Every configuration worth trying for `desc`, the default first. Pure in its inputs.
pub fn fft_candidates(
    caps: &Capabilities,
    limits: &wgpu::Limits,
    desc: &FftDesc,
) -> Vec<FftConfig> {
    let mut all = vec![fft_default(caps, limits, desc)];
    for log_cap in [12, 11, 10] {
        for e in [64, 16] {
            all.push(FftConfig::stockham(log_cap, e, 2));
        }
    }
    for (log_cap, e, mp) in [(12, 64, 3), (12, 16, 3), (12, 64, 1), (13, 64, 2)] {
        all.push(FftConfig::stockham(log_cap, e, mp));
    }
    let mut seen = std::collections::HashSet::new();
    all.into_iter()
        .filter(|c| c.valid_for(caps, limits, desc) && seen.insert(*c))
        .collect()
}

/// The untuned pick: the largest fused size workgroup memory holds (at most 4096 points),
/// 16 values per invocation (radix-16 stages), 4 columns per strided pass.
pub fn fft_default(caps: &Capabilities, limits: &wgpu::Limits, desc: &FftDesc) -> FftConfig {
    let wg_log = 63
        - (limits.max_compute_workgroup_storage_size as u64 / 8)
            .max(1)
            .leading_zeros();
    for log_cap in (4..=wg_log.min(12)).rev() {
        // 64 values per invocation measured no faster than 16 on lavapipe (within this
        // machine's noise) and compiles much larger pipelines: 16 is the default, 64 a candidate.
        for e in [16, 64] {
            let c = FftConfig::stockham(log_cap, e, 2.min(log_cap - 4));
            if c.valid_for(caps, limits, desc) {
                return c;
            }
        }
    }
    FftConfig::stockham(4, 16, 0)
}
