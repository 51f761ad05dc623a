//! Attention configurations: variant and work split, their override constants, the candidates
//! valid on an adapter, the untuned default, and the block sizes the dispatcher proposes for masks.

use crate::ops::attention::AttentionDesc;
use crate::runtime::pipelines::Shader;
use crate::runtime::Capabilities;
use crate::tune::fits_limits;
use serde::{Deserialize, Serialize};

/// Algorithm variant of the block-sparse flash attention.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttentionVariant {
    /// Clusters of 8 lanes share K/V through subgroup broadcasts (needs a fixed subgroup size,
    /// a multiple of 8). The fast path on CPU rasterisers.
    Subgroup,
    /// K/V tiles in workgroup memory, one query row per invocation: runs everywhere.
    Tiled,
    /// QKᵀ and PV on cooperative matrices (f16 in, f32 accumulate).
    Coop,
}

impl AttentionVariant {
    /// Lower-case name for reports.
    pub fn name(self) -> &'static str {
        match self {
            AttentionVariant::Subgroup => "subgroup",
            AttentionVariant::Tiled => "tiled",
            AttentionVariant::Coop => "coop",
        }
    }
}

/// One attention kernel and its sizes (serialised with a `variant` tag).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "variant", rename_all = "lowercase")]
pub enum AttentionKernel {
    /// One subgroup of `sg` lanes per workgroup, `rq` query rows per lane.
    Subgroup {
        /// Subgroup size (= invocations per workgroup).
        sg: u32,
        /// Query rows per lane (1..4).
        rq: u32,
    },
    /// One query row per invocation, `wg` invocations, `kt` keys staged per step.
    Tiled {
        /// Invocations (= query rows) per workgroup.
        wg: u32,
        /// Keys staged per step.
        kt: u32,
    },
    /// QKᵀ and PV on `tile`² cooperative matrices: 4 subgroups of `sg` lanes, `rows` query rows
    /// per workgroup, `kt` keys per step.
    Coop {
        /// Cooperative-matrix tile size.
        tile: u32,
        /// Subgroup size.
        sg: u32,
        /// Query rows per workgroup (a multiple of the tile).
        rows: u32,
        /// Keys per step (a multiple of the tile).
        kt: u32,
    },
}

/// One attention configuration: the kernel and how the KV range is split.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AttentionConfig {
    /// The kernel and its sizes.
    #[serde(flatten)]
    pub kernel: AttentionKernel,
    /// KV splits: 0 lets the plan choose (split-KV for few query rows), 1 none, more: split-KV
    /// with a merge pass.
    pub splits: u32,
}

impl AttentionConfig {
    /// A subgroup configuration: `rq` rows per lane, subgroup size `sg`.
    pub const fn subgroup(rq: u32, sg: u32) -> Self {
        Self {
            kernel: AttentionKernel::Subgroup { sg, rq },
            splits: 0,
        }
    }
    /// A tiled configuration: `wg` rows per workgroup, `kt` keys staged per step.
    pub const fn tiled(wg: u32, kt: u32) -> Self {
        Self {
            kernel: AttentionKernel::Tiled { wg, kt },
            splits: 0,
        }
    }
    /// A coop configuration: `rows` query rows per workgroup, `kt` keys per step, coop tile
    /// `tile`, subgroup size `sg`.
    pub const fn coop(rows: u32, kt: u32, tile: u32, sg: u32) -> Self {
        Self {
            kernel: AttentionKernel::Coop { tile, sg, rows, kt },
            splits: 0,
        }
    }
    /// The same configuration with `splits` KV splits.
    pub const fn with_splits(mut self, splits: u32) -> Self {
        self.splits = splits;
        self
    }

    /// The variant.
    pub fn variant(&self) -> AttentionVariant {
        match self.kernel {
            AttentionKernel::Subgroup { .. } => AttentionVariant::Subgroup,
            AttentionKernel::Tiled { .. } => AttentionVariant::Tiled,
            AttentionKernel::Coop { .. } => AttentionVariant::Coop,
        }
    }

    /// The cooperative-matrix tile size, if this configuration runs on cooperative matrices.
    pub fn coop_tile(&self) -> Option<u32> {
        match self.kernel {
            AttentionKernel::Coop { tile, .. } => Some(tile),
            _ => None,
        }
    }

    /// The shader this configuration runs.
    pub fn shader(&self) -> Shader {
        match self.kernel {
            AttentionKernel::Subgroup { .. } => super::shaders::SUBGROUP,
            AttentionKernel::Tiled { .. } => super::shaders::TILED,
            AttentionKernel::Coop { .. } => super::shaders::COOP,
        }
    }

    /// Query rows one workgroup covers (the mask's block_q must be a multiple).
    pub fn rows_per_workgroup(&self) -> u32 {
        match self.kernel {
            AttentionKernel::Subgroup { sg, rq } => rq * sg,
            AttentionKernel::Tiled { wg, .. } => wg,
            AttentionKernel::Coop { rows, .. } => rows,
        }
    }

    /// Invocations per workgroup.
    pub fn invocations(&self) -> u32 {
        match self.kernel {
            AttentionKernel::Subgroup { sg, .. } => sg,
            AttentionKernel::Tiled { wg, .. } => wg,
            AttentionKernel::Coop { sg, .. } => 4 * sg,
        }
    }

    /// Workgroup storage in bytes for head dim `d`.
    pub fn workgroup_bytes(&self, d: u32) -> u64 {
        let d = d as u64;
        match self.kernel {
            AttentionKernel::Subgroup { .. } => 0,
            AttentionKernel::Tiled { kt, .. } => 2 * 4 * kt as u64 * d + 4 * kt as u64,
            AttentionKernel::Coop { rows, kt, .. } => {
                let (r, kt) = (rows as u64, kt as u64);
                // q, k, v, p (f16) + s, pv (f32) + row stats
                2 * (r * d + 2 * kt * d + r * kt) + 4 * (r * kt + r * d) + 4 * 4 * r
            }
        }
    }

    /// Override constants, named as in the WGSL, for head dim `d` (a multiple of 4).
    pub fn constants(&self, d: u32, masked: bool) -> Vec<(&'static str, f64)> {
        self.constants_for(d, d, masked, masked)
    }

    /// Override constants for head dims `d` (Q, K) and `dv` (V, O), and a mask that may
    /// (`partial`) or may not contain partial blocks
    /// and stripes: a mask of full blocks only runs the subgroup variant without the per-key
    /// mask path compiled in, so its inner loop is the dense kernel's.
    pub fn constants_for(
        &self,
        d: u32,
        dv: u32,
        masked: bool,
        partial: bool,
    ) -> Vec<(&'static str, f64)> {
        let d4 = d / 4;
        let nt = d4.div_ceil(8);
        let f = |x: u32| x as f64;
        // The value dim is a constant only where it differs: a plan with Dv = D builds the
        // pipeline it always did (DV4 and NV default to D4 and NT in the shaders).
        let mut c = vec![("D4", f(d4)), ("MASKED", masked as u8 as f64)];
        if dv != d {
            c.push(("DV4", f(dv / 4)));
            if !matches!(self.kernel, AttentionKernel::Coop { .. }) {
                c.push(("NV", f((dv / 4).div_ceil(8))));
            }
        }
        match self.kernel {
            AttentionKernel::Subgroup { sg, rq } => {
                c.extend([
                    ("NT", f(nt)),
                    ("RQ", f(rq)),
                    ("SG", f(sg)),
                    ("PARTIAL", (masked && partial) as u8 as f64),
                ]);
            }
            AttentionKernel::Tiled { wg, kt } => {
                c.extend([("NT", f(nt)), ("WG", f(wg)), ("KT", f(kt))]);
            }
            AttentionKernel::Coop { sg, rows, kt, .. } => {
                c.extend([("SG", f(sg)), ("CR", f(rows)), ("CK", f(kt))]);
            }
        }
        c
    }

    /// Short label for reports, e.g. `subgroup sg8 rq4`.
    pub fn label(&self) -> String {
        let split = if self.splits > 1 {
            format!(" split{}", self.splits)
        } else {
            String::new()
        };
        match self.kernel {
            AttentionKernel::Subgroup { sg, rq } => format!("subgroup sg{sg} rq{rq}{split}"),
            AttentionKernel::Tiled { wg, kt } => format!("tiled wg{wg} kt{kt}{split}"),
            AttentionKernel::Coop { tile, sg, rows, kt } => {
                format!("coop {tile}x{tile} sg{sg} rows{rows} kt{kt}{split}")
            }
        }
    }

    /// Whether this configuration can run `desc` with query blocks of `block_q` rows on an
    /// adapter with `caps` and `limits`.
    pub fn valid_for(
        &self,
        caps: &Capabilities,
        limits: &wgpu::Limits,
        desc: &AttentionDesc,
        block_q: u32,
    ) -> bool {
        let (d, dv) = (desc.head_dim, desc.dv());
        if [d, dv]
            .iter()
            .any(|&x| !x.is_multiple_of(4) || x == 0 || x > 256)
        {
            return false;
        }
        // Storage and registers are sized for the larger of the two.
        let dmax = d.max(dv);
        if desc.dtype == crate::DType::F16 && !caps.f16 {
            return false;
        }
        let rows = self.rows_per_workgroup();
        if rows == 0 || !block_q.is_multiple_of(rows) || self.splits > 64 {
            return false;
        }
        if !fits_limits(
            limits,
            self.invocations(),
            self.workgroup_bytes(dmax),
            self.invocations(),
            1,
        ) {
            return false;
        }
        match self.kernel {
            AttentionKernel::Subgroup { sg, rq } => {
                caps.subgroups
                    && caps.subgroup_min == caps.subgroup_max
                    && caps.subgroup_min == sg
                    && sg.is_multiple_of(8)
                    && (1..=4).contains(&rq)
            }
            AttentionKernel::Tiled { wg, kt } => wg.is_power_of_two() && kt >= 1 && kt <= wg,
            AttentionKernel::Coop {
                tile: t,
                sg,
                rows,
                kt,
            } => {
                caps.has_coop_f16_f32(t)
                    && caps.subgroup_min == caps.subgroup_max
                    && caps.subgroup_min == sg
                    && t > 0
                    && rows.is_multiple_of(t)
                    && kt.is_multiple_of(t)
                    && d.is_multiple_of(t)
                    && dv.is_multiple_of(t)
                    // the 4 subgroups share the S and PV tiles evenly (uniform trip counts)
                    && ((rows / t) * (kt / t)).is_multiple_of(4)
                    && ((rows / t) * (dv / t)).is_multiple_of(4)
            }
        }
    }
}

/// Rows per lane of the subgroup variant for head dim `d`: as many as keep the per-lane
/// registers (q and the output, 2·rq·d floats) within what a CPU core's caches absorb.
fn subgroup_rq(d: u32) -> u32 {
    match d {
        0..=64 => 4,
        65..=128 => 2,
        _ => 1,
    }
}

/// Keys staged per step by the tiled variant: within 16 KiB of workgroup storage (the browser
/// default) for K and V in f32.
fn tiled_kt(d: u32, wg: u32) -> u32 {
    let fit = (16 * 1024 / (2 * 4 * d.max(4))).max(1);
    let mut kt = 1;
    while kt * 2 <= fit.min(wg).min(32) {
        kt *= 2;
    }
    kt
}

/// The block sizes (block_q, block_kv) the dispatcher proposes for masks on this adapter: 64×64
/// (a multiple of every default workgroup's rows; fine-grained enough for diagonal bands).
pub fn attention_blocks(
    caps: &Capabilities,
    _limits: &wgpu::Limits,
    desc: &AttentionDesc,
) -> (u32, u32) {
    let _ = caps;
    let bq = if desc.nq <= 16 { 16 } else { 64 };
    (bq, 64)
}

/// Query heads folded into one row space: with GQA and few queries (decode), the subgroup
/// variant processes the `Hq/Hkv` query heads of a KV head together, so K and V are read once
/// for the group instead of once per query head. Needs the group's heads to share one mask
/// slot (`heads_share`) and the queries to fit one query block.
pub fn attention_fold(
    config: &AttentionConfig,
    desc: &AttentionDesc,
    block_q: u32,
    heads_share: bool,
) -> u32 {
    let group = desc.heads_q / desc.heads_kv.max(1);
    if config.variant() == AttentionVariant::Subgroup
        && group > 1
        && desc.nq <= 16
        && desc.nq <= block_q
        && heads_share
    {
        group
    } else {
        1
    }
}

/// KV splits for few query rows (decode): enough workgroups to fill the device, each split
/// still covering several KV blocks. `fold` query heads share a row space.
pub fn attention_splits(
    caps: &Capabilities,
    desc: &AttentionDesc,
    rows_per_wg: u32,
    fold: u32,
    units: u32,
) -> u32 {
    let fold = fold.max(1);
    let groups = desc.batch as u64
        * (desc.heads_q / fold) as u64
        * (desc.nq * fold).div_ceil(rows_per_wg) as u64;
    let target: u64 = if caps.device_type == wgpu::DeviceType::Cpu {
        32
    } else {
        512
    };
    if desc.nq > 16 || groups >= target {
        return 1;
    }
    let want = target.div_ceil(groups) as u32;
    want.min(units / 2).clamp(1, 64)
}

/// Every configuration worth trying for `desc` with query blocks of `block_q` rows, the default
/// first. A pure function of its inputs.
pub fn attention_candidates(
    caps: &Capabilities,
    limits: &wgpu::Limits,
    desc: &AttentionDesc,
    block_q: u32,
) -> Vec<AttentionConfig> {
    let mut all = vec![attention_default(caps, limits, desc, block_q)];
    if caps.subgroups && caps.subgroup_min == caps.subgroup_max {
        for rq in [4, 2, 1, 3] {
            all.push(AttentionConfig::subgroup(rq, caps.subgroup_min));
        }
    }
    for wg in [64, 32, 16] {
        all.push(AttentionConfig::tiled(
            wg,
            tiled_kt(desc.head_dim.max(desc.dv()), wg),
        ));
    }
    if let Some(t) = caps.coop_f16_f32_tile() {
        let sg = caps.subgroup_min;
        for (rows, kt) in [
            (4 * t, 4 * t),
            (2 * t, 4 * t),
            (2 * t, 2 * t),
            (8 * t, 4 * t),
        ] {
            all.push(AttentionConfig::coop(rows, kt, t, sg));
        }
    }
    let mut seen = std::collections::HashSet::new();
    all.into_iter()
        .filter(|c| c.valid_for(caps, limits, desc, block_q) && seen.insert(*c))
        .collect()
}

/// The untuned pick: the subgroup variant where the subgroup size is fixed (with rows per lane by
/// head dim, reduced until they divide block_q), else the tiled variant. Cooperative matrices
/// are never the silent default for f32 storage (they round to f16); for f16 storage on a
/// GPU that lists them, they are.
pub fn attention_default(
    caps: &Capabilities,
    limits: &wgpu::Limits,
    desc: &AttentionDesc,
    block_q: u32,
) -> AttentionConfig {
    if desc.dtype == crate::DType::F16 && caps.device_type != wgpu::DeviceType::Cpu {
        if let Some(t) = caps.coop_f16_f32_tile() {
            let c = AttentionConfig::coop(4 * t, 4 * t, t, caps.subgroup_min);
            if c.valid_for(caps, limits, desc, block_q) {
                return c;
            }
        }
    }
    if caps.subgroups && caps.subgroup_min == caps.subgroup_max {
        let mut rq = subgroup_rq(desc.head_dim.max(desc.dv()));
        // Few rows (decode; GQA heads fold into one row space): fewer rows per lane.
        let rows = if desc.nq <= 16 {
            desc.nq * (desc.heads_q / desc.heads_kv.max(1))
        } else {
            desc.nq
        };
        if rows <= 8 {
            rq = 1;
        } else if rows <= 16 {
            rq = rq.min(2);
        }
        while rq >= 1 {
            let c = AttentionConfig::subgroup(rq, caps.subgroup_min);
            if c.valid_for(caps, limits, desc, block_q) {
                return c;
            }
            rq -= 1;
        }
    }
    for wg in [64, 32, 16] {
        let c = AttentionConfig::tiled(wg, tiled_kt(desc.head_dim.max(desc.dv()), wg));
        if c.valid_for(caps, limits, desc, block_q) {
            return c;
        }
    }
    AttentionConfig::tiled(16, tiled_kt(desc.head_dim.max(desc.dv()), 16))
}
