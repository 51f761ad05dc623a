//! The dispatcher: for each op, the candidate configurations valid on this adapter (features
//! and limits checked here, once), and the default pick per vendor / device type used when no
//! measured choice exists. Measured tuning and its persistent cache build on these lists.

mod attention;
mod gemm;

use crate::gpu::Context;
use crate::ops::attention::AttentionDesc;
use crate::ops::gemm::GemmDesc;

pub use attention::{
    attention_blocks, attention_candidates, attention_default, attention_fold, attention_splits, AttentionConfig, AttentionVariant,
};
pub use gemm::{gemm_candidates, gemm_default, GemmConfig, GemmVariant};

/// Workgroup-storage bytes and invocations a configuration needs, checked against the limits.
pub(crate) fn fits_limits(limits: &wgpu::Limits, invocations: u32, wg_bytes: u64, wg_x: u32, wg_y: u32) -> bool {
    invocations <= limits.max_compute_invocations_per_workgroup
        && wg_x <= limits.max_compute_workgroup_size_x
        && wg_y <= limits.max_compute_workgroup_size_y
        && wg_bytes <= limits.max_compute_workgroup_storage_size as u64
}

/// The configuration a GEMM call uses when the caller names none: the measured winner for this
/// adapter and shape bucket where tuning has stored one, else [`gemm_default`].
pub fn gemm_pick(ctx: &Context, desc: &GemmDesc) -> GemmConfig {
    gemm_default(ctx.caps(), &ctx.limits(), desc)
}

/// The configuration an attention call uses when the caller names none, for masks with query
/// blocks of `block_q` rows: the measured winner where tuning has stored one, else
/// [`attention_default`].
pub fn attention_pick(ctx: &Context, desc: &AttentionDesc, block_q: u32) -> AttentionConfig {
    attention_default(ctx.caps(), &ctx.limits(), desc, block_q)
}
